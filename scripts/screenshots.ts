/**
 * `npm run screenshots`: renders every dashboard page at a desktop width (1280 px) and a phone width
 * (390 px) into docs/screenshots/<page>-<desktop|phone>.png, against a real berth started here with
 * a little of everything (deployments, a backup, an agent, a schedule with a run, keys).
 * Needs the built dashboard (npm ci builds it) and Debian's chromium (scripts/debian-packages.txt).
 */
import fs from "node:fs";
import path from "node:path";
import { BerthClient } from "../sdk/typescript/src/index.js";
import { startTestBerth, teamWithKey, viaIngress, waitFor } from "../test/support/berth.js";
import { launchChromium } from "../test/support/browser.js";

const OUT = path.resolve("docs", "screenshots");
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

const t = await startTestBerth();
const { key } = await teamWithKey(t.api, undefined, "business");
const client = new BerthClient({ baseUrl: t.url, token: key });
try {
  const ready = async (name: string) =>
    waitFor(async () => (await client.getDeploymentStatus(name)).deploymentReady, `${name} ready`, 60_000);
  const hello = await client.createDeployment({ template: "hello", envVars: { GREETING: "screenshots" } });
  const counter = await client.createDeployment({ template: "counter-agent" });
  const paused = await client.createDeployment({ template: "hello" });
  await Promise.all([ready(hello.name), ready(counter.name), ready(paused.name)]);
  await client.pauseCloudDeployment(paused.id);
  for (const p of ["/", "/status", "/docs"]) await viaIngress(t.url, hello.ingresses[0]!.host, p);
  const { backup } = await client.createCloudDeploymentBackup(hello.id, {
    driver: "restic",
    retentionDays: 30,
  });
  await client.waitForBackup(hello.id, backup.id, { intervalMs: 100 });
  const agent = await client.createAgent({
    name: "reporter",
    spec: {
      name: "report",
      command: "node",
      args: ["-e", "console.log('daily report: 3 deployments ready')"],
    },
  });
  const env = await client.createEnvironment({ name: "production" });
  const schedule = await client.createScheduledDeployment({
    agent: { id: agent.id, type: "agent" },
    environment_id: env.id,
    name: "daily report",
    initial_events: [{ type: "user.message", content: "write the report" }],
    schedule: { type: "cron", expression: "30 9 * * 1-5", timezone: "Europe/Berlin" },
  });
  await client.runScheduledDeployment(schedule.id);
  await waitFor(
    async () => (await client.listScheduledDeploymentRuns(schedule.id)).data[0]?.status === "completed",
    "run completed",
  );
  await client.createKey({ name: "ci pipeline", scopes: ["deployments:read", "deployments:write"] });

  const pages: [string, string, string][] = [
    ["signin", "/dashboard/deployments", "Sign in to berth"],
    ["deployments", "/dashboard/deployments", "Deployments"],
    ["deployment", `/dashboard/deployments/${hello.name}`, hello.name],
    ["templates", "/dashboard/templates", "Templates"],
    ["schedules", "/dashboard/schedules", "Schedules"],
    ["agents", "/dashboard/agents", "Agents"],
    ["keys", "/dashboard/keys", "API keys"],
    ["team", "/dashboard/team", "Team"],
  ];
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium();
  try {
    for (const [size, viewport] of Object.entries(WIDTHS)) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      for (const [file, url, heading] of pages) {
        await page.goto(`${t.url}${url}`);
        if (file !== "signin" && (await page.evaluate(() => sessionStorage.length)) === 0) {
          await page.evaluate((k) => sessionStorage.setItem("berth.apiKey", k), key);
          await page.reload();
        }
        await page.getByRole("heading", { level: 1, name: heading }).waitFor({ timeout: 30_000 });
        await page.waitForLoadState("networkidle").catch(() => undefined);
        if (file === "deployment") {
          await page.getByText(/Memory: \d+ MiB/).waitFor({ timeout: 30_000 });
          await page.waitForTimeout(7000); // a few metric samples for the charts
        }
        if (file === "templates") await page.getByRole("button", { name: "Show revisions" }).first().click();
        await page.waitForTimeout(300);
        const target = path.join(OUT, `${file}-${size}.png`);
        await page.screenshot({ path: target, fullPage: true });
        console.log(`wrote ${path.relative(process.cwd(), target)}`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  await t.close();
}
