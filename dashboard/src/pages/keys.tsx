/** API keys of the team: create one (its value is shown once, here), list them, revoke one. */
import { useState } from "react";
import { useSession } from "../app.js";
import type { KeyView } from "../views.js";
import {
  ConfirmButton,
  Empty,
  ErrorNote,
  Loading,
  PageTitle,
  useAction,
  useLoad,
  when,
  TableWrap,
} from "../ui.js";

const SCOPES = [
  "deployments:read",
  "deployments:write",
  "templates:read",
  "templates:write",
  "agents:write",
] as const;
type Scope = (typeof SCOPES)[number];

export default function Keys() {
  const { client, me } = useSession();
  const list = useLoad(async () => (await client.listKeys()).keys as KeyView[], [client]);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(SCOPES.filter((s) => me.scopes.includes(s)));
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const action = useAction();
  return (
    <>
      <PageTitle>API keys</PageTitle>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading what="keys" />}
      {list.data?.length === 0 && <Empty title="No keys">Create one below.</Empty>}
      {list.data && list.data.length > 0 && (
        <TableWrap label="API keys">
          <table>
            <caption className="sr-only">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Revoke</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((k) => (
                <tr key={k.id}>
                  <th scope="row">{k.name}</th>
                  <td className="mono">{k.fingerprint}</td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{when(k.createdAt)}</td>
                  <td>
                    {k.id === me.keyId ? (
                      <span className="muted">this session</span>
                    ) : (
                      <ConfirmButton
                        label={`Revoke ${k.name}`}
                        danger
                        question={`Revoke the key ${k.name}? Anything using it is refused from now on.`}
                        confirmLabel="Revoke"
                        onConfirm={() => client.deleteKey(k.id).then(list.reload)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <section aria-labelledby="create-key">
        <h2 id="create-key">Create a key</h2>
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            setCreated(null);
            await action.run(async () => {
              const k = await client.createKey({ name, scopes, ...(me.teamId ? { teamId: me.teamId } : {}) });
              setCreated({ name: k.name, key: k.key });
              setName("");
              list.reload();
            });
          }}
        >
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
          />
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) =>
                    setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))
                  }
                />
                {s}
              </label>
            ))}
          </fieldset>
          <ErrorNote error={action.error} />
          <button type="submit" className="primary" disabled={action.busy}>
            Create key
          </button>
        </form>
        {created && (
          <div className="notice" role="status">
            <p>
              The key <strong>{created.name}</strong> — copy it now, berth shows it only once:
            </p>
            <output className="mono secret" aria-label="New API key">
              {created.key}
            </output>
          </div>
        )}
      </section>
    </>
  );
}
