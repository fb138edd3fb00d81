/** The team of this key: tier, deployment limit and how much of it is used, and billing events. */
import { useSession } from "../app.js";
import { ErrorNote, Loading, PageTitle, useLoad, when } from "../ui.js";

export default function Team() {
  const { client, me } = useSession();
  const usage = useLoad(async () => {
    const [team, deployments] = await Promise.all([
      me.teamId ? client.getTeam(me.teamId) : Promise.resolve(null),
      client.listDeployments(),
    ]);
    return { team, used: deployments.length };
  }, [client, me.teamId]);
  const team = usage.data?.team;
  return (
    <>
      <PageTitle>Team</PageTitle>
      <ErrorNote error={usage.error} />
      {!usage.data && !usage.error && <Loading what="team" />}
      {usage.data && !team && <p>This is an admin key without a team: it sees every team's objects.</p>}
      {team && (
        <>
          <dl className="facts">
            <dt>Name</dt>
            <dd>{team.name}</dd>
            <dt>Tier</dt>
            <dd>{team.tier}</dd>
            <dt>Deployments</dt>
            <dd>
              {usage.data!.used} of {team.deploymentLimit ?? "unlimited"}
            </dd>
            <dt>Created</dt>
            <dd>{when(team.createdAt)}</dd>
          </dl>
          {team.deploymentLimit !== null && (
            <>
              <label htmlFor="usage">Deployment limit used</label>
              <meter
                id="usage"
                min={0}
                max={team.deploymentLimit}
                value={usage.data!.used}
                high={team.deploymentLimit * 0.8}
              >
                {usage.data!.used} of {team.deploymentLimit}
              </meter>
            </>
          )}
          <p className="muted">Your key's scopes: {me.scopes.join(", ")}.</p>
        </>
      )}
    </>
  );
}
