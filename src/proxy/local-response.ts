/**
 * Answers berth gives itself at the ingress (refusals, 502, 503 while waking): a JSON body
 * `{"error": message}` in the API's envelope, with a Content-Length so a kept-alive client can
 * read the next response.
 */
const REASONS: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/**
 * The response bytes. @param closing adds `Connection: close`; @param head omits the body (the
 * answer to a HEAD request) while keeping its Content-Length.
 */
export function localResponse(
  status: number,
  message: string,
  headers: Record<string, string>,
  closing: boolean,
  head: boolean,
): string {
  const body = JSON.stringify({ error: message });
  let out = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  if (closing) out += "Connection: close\r\n";
  return `${out}\r\n${head ? "" : body}`;
}
