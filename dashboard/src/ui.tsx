/**
 * Shared pieces of every page: loading data through the SDK, showing the server's error message,
 * empty states, status badges, confirmations (a native modal <dialog>: focus is trapped and Escape
 * cancels), and small formatting helpers.
 */
import { BerthError } from "@berth/sdk";
import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { hasNavigated } from "./router.js";
import { BADGES, type Badge } from "./status.js";

/** The server's own message when there is one; the error's text otherwise. */
export function messageOf(err: unknown): string {
  if (err instanceof BerthError) return `${err.serverMessage ?? "request failed"} (HTTP ${err.status})`;
  return err instanceof Error ? err.message : String(err);
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount, when `deps` change, on reload(), and every `pollMs` if given. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  const run = useCallback(load, deps);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how reload() asks for a fetch
  useEffect(() => {
    let live = true;
    const fetchOnce = () =>
      run().then(
        (data) => live && setState({ data, loading: false }),
        (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
      );
    void fetchOnce();
    const timer = pollMs ? setInterval(fetchOnce, pollMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [run, tick, pollMs]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: () => setTick((n) => n + 1),
  };
}

/** Runs an action, remembering its error (shown with ErrorNote) and whether it is in flight. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <p>{children}</p>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function StatusBadge({ badge }: { badge: Badge }) {
  const b = BADGES[badge];
  return (
    <span className={`badge badge-${badge}`} title={b.meaning} data-status={badge}>
      {b.label}
    </span>
  );
}

/** A button that asks before acting; `onConfirm` errors are shown inside the dialog. */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<unknown>;
  children?: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const action = useAction();
  const confirm = async () => {
    if (await action.run(props.onConfirm)) dialog.current?.close();
  };
  return (
    <>
      <button
        type="button"
        className={props.danger ? "danger" : undefined}
        disabled={props.disabled}
        onClick={() => {
          action.clear();
          dialog.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.label}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <p>{props.question}</p>
          {props.children}
          <ErrorNote error={action.error} />
          <div className="row">
            <button type="submit" className={props.danger ? "danger" : "primary"} disabled={action.busy}>
              {props.confirmLabel ?? props.label}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${duration(-s)}`;
  return `${duration(s)} ago`;
}

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function PageTitle({ children }: { children: ReactNode }) {
  const h = useRef<HTMLHeadingElement>(null);
  // After a move between pages, focus goes to the new page's heading, so keyboard and screen-reader
  // users start there; a fresh load leaves focus at the top (skip link first).
  useEffect(() => {
    if (hasNavigated()) h.current?.focus();
    document.title = `${typeof children === "string" ? children : "berth"} · berth`;
  }, [children]);
  return (
    <h1 ref={h} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A table that scrolls sideways on narrow screens; focusable so keyboard users can scroll it. */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}

/** An ingress URL as a link target, only when it is http(s); anything else links nowhere. */
export function webUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}
