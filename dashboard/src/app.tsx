/**
 * The dashboard shell: sign-in with an API key, the navigation, and the page for the current path.
 * Pages are loaded lazily so the first load carries only the shell and the page shown.
 */
import type { BerthClient, Result } from "@berth/sdk";
import { createContext, lazy, type ReactNode, Suspense, useContext, useEffect, useState } from "react";
import { href, navigate, usePath } from "./router.js";
import { clientFor, forgetKey, storedKey, storeKey } from "./session.js";
import { ErrorNote, Loading, PageTitle } from "./ui.js";

const Deployments = lazy(() => import("./pages/deployments.js"));
const Deployment = lazy(() => import("./pages/deployment.js"));
const Templates = lazy(() => import("./pages/templates.js"));
const Schedules = lazy(() => import("./pages/schedules.js"));
const Agents = lazy(() => import("./pages/agents.js"));
const Keys = lazy(() => import("./pages/keys.js"));
const Team = lazy(() => import("./pages/team.js"));

export interface Session {
  client: BerthClient;
  me: Result<"getMe">;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("no session");
  return s;
}

const NAV: [string, string][] = [
  ["/deployments", "Deployments"],
  ["/templates", "Templates"],
  ["/schedules", "Schedules"],
  ["/agents", "Agents"],
  ["/keys", "API keys"],
  ["/team", "Team"],
];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => storedKey() !== null);
  const [error, setError] = useState<unknown>(undefined);

  const signIn = async (key: string) => {
    const client = clientFor(key);
    try {
      const me = await client.getMe();
      storeKey(key);
      setSession({ client, me });
      setError(undefined);
    } catch (err) {
      forgetKey();
      setError(err);
    } finally {
      setChecking(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: only the stored key of this tab, once
  useEffect(() => {
    const key = storedKey();
    if (key) void signIn(key);
  }, []);

  if (checking) return <Loading what="your session" />;
  if (!session) return <SignIn onSignIn={signIn} error={error} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell
        session={session}
        onSignOut={() => {
          forgetKey();
          // The next person to sign in starts from the list, not from this user's last page.
          window.history.replaceState(null, "", href("/deployments"));
          setSession(null);
        }}
      />
    </SessionContext.Provider>
  );
}

function SignIn({ onSignIn, error }: { onSignIn: (key: string) => Promise<void>; error: unknown }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <main className="signin">
      <PageTitle>Sign in to berth</PageTitle>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          await onSignIn(key.trim());
          setBusy(false);
        }}
      >
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" className="muted">
          A team key (berth keys create, or POST /api/keys). It is kept in this tab only and sent as a bearer
          header.
        </p>
        <ErrorNote error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const path = usePath();
  useEffect(() => {
    if (path === "/") window.history.replaceState(null, "", href("/deployments"));
  }, [path]);
  const section = `/${path.split("/")[1] ?? ""}`;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">berth</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <a
                  href={href(to)}
                  aria-current={
                    section === to || (to === "/deployments" && path === "/") ? "page" : undefined
                  }
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                    e.preventDefault();
                    navigate(to);
                  }}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {session.me.team?.name ?? "admin"}
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        <Suspense fallback={<Loading what="page" />}>
          <Page path={path} />
        </Suspense>
      </main>
    </>
  );
}

function Page({ path }: { path: string }) {
  const [, section, id] = path.split("/");
  switch (section) {
    case "":
    case "deployments":
      return id ? <Deployment name={decodeURIComponent(id)} /> : <Deployments />;
    case "templates":
      return <Templates />;
    case "schedules":
      return <Schedules />;
    case "agents":
      return <Agents />;
    case "keys":
      return <Keys />;
    case "team":
      return <Team />;
    default:
      return (
        <>
          <PageTitle>Page not found</PageTitle>
          <p>
            There is no page at this address. <Link to="/deployments">Go to deployments</Link>.
          </p>
        </>
      );
  }
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={href(to)}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
