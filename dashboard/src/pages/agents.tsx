/** Agents of the team: status, heartbeat age and their deployments. */
import { Link, useSession } from "../app.js";
import type { AgentView } from "../views.js";
import { ago, Empty, ErrorNote, Loading, PageTitle, useLoad, TableWrap } from "../ui.js";

export default function Agents() {
  const { client } = useSession();
  const list = useLoad(
    async () => {
      const [agents, deployments] = await Promise.all([
        client.listAgents(),
        client.listAgentDeployments({ limit: 100 }),
      ]);
      return { agents: agents.agents as AgentView[], deployments };
    },
    [client],
    5000,
  );
  return (
    <>
      <PageTitle>Agents</PageTitle>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading what="agents" />}
      {list.data?.agents.length === 0 && (
        <Empty title="No agents yet">
          Register one with POST /api/agents (or berth agents create); its heartbeats show here.
        </Empty>
      )}
      {list.data && list.data.agents.length > 0 && (
        <TableWrap label="Agents">
          <table>
            <caption className="sr-only">Agents</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Runs</th>
                <th scope="col">Deployments</th>
              </tr>
            </thead>
            <tbody>
              {list.data.agents.map((a) => {
                const deps = list.data!.deployments.filter((d) => d.agent_id === a.id);
                return (
                  <tr key={a.id}>
                    <th scope="row">
                      {a.name} <span className="muted mono">{a.id}</span>
                    </th>
                    <td>{a.status}</td>
                    <td>{ago(a.lastHeartbeatAt)}</td>
                    <td className="mono">{a.spec.image ?? a.spec.command ?? "—"}</td>
                    <td>
                      {deps.length === 0
                        ? "none"
                        : deps.map((d) => (
                            <Link key={d.id} to={`/deployments/${d.name}`}>
                              {d.name} ({d.status})
                            </Link>
                          ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
