/**
 * A minimal History-API router for the dashboard's handful of pages: the path below /dashboard is
 * the route; links call navigate() instead of reloading the page.
 */
import { useSyncExternalStore } from "react";

export const BASE = "/dashboard";

const listeners = new Set<() => void>();
let moved = false;
const notify = () => {
  moved = true;
  for (const l of listeners) l();
};

/** True once the user has moved between pages in this tab (not on the first load). */
export const hasNavigated = () => moved;
window.addEventListener("popstate", notify);

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** The current path below /dashboard, e.g. `/deployments/abc123xyz7`; `/` for the root. */
function currentPath(): string {
  const p = window.location.pathname;
  const rest = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return rest === "" ? "/" : rest.replace(/\/+$/, "") || "/";
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(to: string): void {
  window.history.pushState(null, "", BASE + to);
  notify();
  window.scrollTo(0, 0);
}

export const href = (to: string) => BASE + to;
