/**
 * Part of the Kubernetes API test double: watch streams.
 *
 * Follows "API Concepts → Efficient detection of changes" and "Watch bookmarks":
 * - the response is a stream of JSON lines `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":…}`;
 * - without `resourceVersion` (or with "0") the stream starts with a synthetic ADDED for every
 *   matching object; with a version it replays every change after it, or, when that version is older
 *   than the retained history, sends one ERROR event carrying a 410 `Expired` Status and ends;
 * - with a selector, an object that stops matching is sent as DELETED and one that starts matching
 *   as ADDED (as the watch cache does);
 * - `allowWatchBookmarks=true` adds BOOKMARK events carrying only the current resourceVersion;
 * - `timeoutSeconds` ends the stream.
 */
import type http from "node:http";
import { asServed, type ListFilter, matchesFilter } from "./crud.js";
import type { ObjectStore, StoreEvent } from "./store.js";
import type { KubeObject, ResourceDef } from "./resources.js";
import { apiVersionOf } from "./resources.js";
import { badRequest, expired, statusOf } from "./status-errors.js";

export interface WatchRequest {
  def: ResourceDef;
  version: string;
  namespace?: string;
  filter: ListFilter;
  query: URLSearchParams;
}

export interface WatchSettings {
  bookmarkIntervalMs: number;
}

export function serveWatch(
  store: ObjectStore,
  settings: WatchSettings,
  w: WatchRequest,
  res: http.ServerResponse,
): void {
  const rvText = w.query.get("resourceVersion");
  const from = rvText === null || rvText === "" || rvText === "0" ? undefined : Number(rvText);
  if (from !== undefined && (!Number.isInteger(from) || from < 0))
    throw badRequest(`invalid resourceVersion: ${rvText}`);
  const timeoutText = w.query.get("timeoutSeconds");
  const timeout = timeoutText ? Number(timeoutText) : 0;
  const bookmarks =
    w.query.get("allowWatchBookmarks") === "true" || w.query.get("allowWatchBookmarks") === "1";

  res.writeHead(200, {
    "content-type": "application/json",
    "transfer-encoding": "chunked",
    "cache-control": "no-cache",
  });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const inScope = (o: KubeObject) => !w.namespace || o.metadata?.namespace === w.namespace;
  const matches = (o: KubeObject | undefined) => o !== undefined && inScope(o) && matchesFilter(w.filter, o);
  const served = (o: KubeObject) => asServed(w.def, w.version, o);

  const deliver = (ev: StoreEvent) => {
    if (ev.def !== w.def) return;
    const now = matches(ev.object);
    const before = ev.type === "ADDED" ? false : matches(ev.old);
    if (ev.type === "DELETED") {
      if (before || now) send("DELETED", served(ev.object));
    } else if (now && before) send("MODIFIED", served(ev.object));
    else if (now) send("ADDED", served(ev.object));
    else if (before) send("DELETED", served(ev.object));
  };

  // All of this runs synchronously, so no write can slip between the replay and the subscription.
  if (from === undefined) {
    for (const o of store.list(w.def, w.namespace)) if (matches(o)) send("ADDED", served(o));
  } else if (from < store.oldestResumable) {
    send("ERROR", statusOf(expired(`too old resource version: ${from} (${store.oldestResumable})`)));
    res.end();
    return;
  } else {
    for (const ev of store.eventsAfter(from)) deliver(ev);
  }
  const unsubscribe = store.subscribe(deliver);

  const bookmark = () =>
    send("BOOKMARK", {
      kind: w.def.kind,
      apiVersion: apiVersionOf(w.def.group, w.version),
      metadata: { resourceVersion: store.resourceVersion },
    });
  const ticker = bookmarks ? setInterval(bookmark, settings.bookmarkIntervalMs) : undefined;
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  const stop = () => {
    unsubscribe();
    if (ticker) clearInterval(ticker);
    if (timer) clearTimeout(timer);
  };
  res.on("close", stop);
  res.on("finish", stop);
}
