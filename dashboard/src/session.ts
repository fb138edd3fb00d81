/**
 * The signed-in API key. It lives in sessionStorage only (gone when the tab closes), is sent as a
 * bearer header by the SDK, and never appears in a URL or a log line.
 */
import { BerthClient } from "@berth/sdk";

const KEY = "berth.apiKey";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
}

/** A client for this origin; window.fetch is bound so the SDK can call it as a plain function. */
export function clientFor(token: string): BerthClient {
  return new BerthClient({
    baseUrl: window.location.origin,
    token,
    fetch: (input, init) => window.fetch(input, init),
  });
}
