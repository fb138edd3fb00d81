// hello: an HTTP app that answers every request with its GREETING env var.
import http from "node:http";

const greeting = process.env.GREETING ?? "world";
const server = http.createServer((req, res) => {
  process.stdout.write(`${new Date().toISOString()} ${req.method} ${req.url}\n`);
  res.writeHead(200, {
    "content-type": "text/plain; charset=utf-8",
    "x-berth-replica": process.env.BERTH_REPLICA ?? "0",
  });
  res.end(`hello: ${greeting}\n`);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => {
  process.stdout.write(`hello listening on ${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
