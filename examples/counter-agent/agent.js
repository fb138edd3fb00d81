// counter-agent: an agent whose state (a counter) lives on its volume, so it survives pause,
// resume, redeploy, backup and restore. In session mode (BERTH_SESSION_ID set) it runs once.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const dir = process.env.BERTH_VOLUME_DIR ?? process.cwd();
const file = path.join(dir, "counter.json");

function read() {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")).count ?? 0;
  } catch {
    return 0;
  }
}

function write(count) {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  fs.writeSync(fd, JSON.stringify({ count }));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

async function session(id) {
  let events = 0;
  let buffered = "";
  for await (const chunk of process.stdin) {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    events += lines.filter((l) => l.trim() !== "").length;
  }
  if (buffered.trim() !== "") events++;
  const count = read() + 1;
  write(count);
  process.stdout.write(`${JSON.stringify({ session: id, events, count })}\n`);
  process.exit(Number(process.env.BERTH_SESSION_EXIT_CODE ?? 0));
}

function serve() {
  const server = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/healthz") return send(200, { ok: true });
    if (req.method === "GET" && req.url === "/") return send(200, { count: read() });
    if (req.method === "POST" && req.url === "/increment") {
      const count = read() + 1;
      write(count);
      process.stdout.write(`count is now ${count}\n`);
      return send(200, { count });
    }
    send(404, { error: "not found" });
  });
  server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => {
    process.stdout.write(`counter-agent listening on ${server.address().port}, count ${read()}\n`);
  });
  const url = process.env.BERTH_HEARTBEAT_URL;
  if (url) {
    const every = Number(process.env.BERTH_HEARTBEAT_INTERVAL_MS ?? 30_000);
    const beat = () => {
      const headers = { "content-type": "application/json" };
      if (process.env.BERTH_AGENT_TOKEN) headers.authorization = `Bearer ${process.env.BERTH_AGENT_TOKEN}`;
      fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify({ agentId: process.env.BERTH_AGENT_ID, at: new Date().toISOString() }),
      }).catch(() => undefined);
    };
    beat();
    setInterval(beat, every).unref();
  }
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.env.BERTH_SESSION_ID) await session(process.env.BERTH_SESSION_ID);
else serve();
