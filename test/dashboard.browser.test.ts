/**
 * The dashboard in a real browser (Debian's chromium via playwright-core) against a real berth:
 * one browser and one page for the file, steps in order as a user would take them. Every step ends
 * with no console errors, and every page is checked with axe-core.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { consoleErrors, launchChromium, seriousViolations } from "./support/browser.js";
import { apiClient, startTestBerth, type TestBerth, teamWithKey, viaIngress } from "./support/berth.js";

let t: TestBerth;
let key: string;
let browser: Browser;
let page: Page;
let errors: ReturnType<typeof consoleErrors>;
let name: string;
let host: string;

const UI_TIMEOUT = 30_000;

beforeAll(async () => {
  t = await startTestBerth();
  ({ key } = await teamWithKey(t.api, undefined, "business"));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  errors = consoleErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

afterEach(() => {
  expect(errors.take()).toEqual([]);
});

async function expectAccessible() {
  expect(await seriousViolations(page)).toEqual([]);
}

async function confirm(button: string, dialogButton = button) {
  await page.getByRole("button", { name: button, exact: true }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: dialogButton, exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
}

async function nav(label: string, heading = label) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

const badge = () => page.locator(".summary [data-status]");

describe("the dashboard", { timeout: 120_000 }, () => {
  it("signs in with an API key kept in the tab's session, never in the URL", async () => {
    await page.goto(`${t.url}/dashboard`);
    await page.getByRole("heading", { name: "Sign in to berth" }).waitFor();
    await expectAccessible();
    await page.getByLabel("API key", { exact: true }).fill("berth_wrong-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("HTTP 401");
    errors.allow(/status of 401/);
    errors.take();

    await page.getByLabel("API key", { exact: true }).fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
    expect(page.url()).toBe(`${t.url}/dashboard/deployments`);
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate(() => sessionStorage.getItem("berth.apiKey"))).toBe(key);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await page.getByText("No deployments yet").waitFor();
    await expectAccessible();

    // A reload keeps the session of this tab.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
  });

  it("creates a deployment from a template and sees it become ready", async () => {
    // A template's secret var is a password field.
    await page.getByLabel("Template", { exact: true }).selectOption("counter-agent");
    expect(await page.getByLabel("BERTH_AGENT_TOKEN (secret)", { exact: true }).getAttribute("type")).toBe(
      "password",
    );
    await page.getByLabel("Template", { exact: true }).selectOption("hello");
    await page.getByLabel("GREETING", { exact: true }).fill("from the browser");
    await page.getByRole("button", { name: "Create deployment" }).click();
    await page.waitForURL(/\/dashboard\/deployments\/[a-z0-9]{10}$/);
    name = page.url().split("/").at(-1)!;
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");
    await page.getByText("up-to-date").waitFor();
    await expectAccessible();

    await nav("Deployments");
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect.poll(() => row.locator("[data-status]").getAttribute("data-status")).toBe("ready");
    await expect.poll(() => row.textContent()).toContain("template hello r1");
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
  });

  it("opens its ingress link", async () => {
    const link = page.getByRole("link", { name: /^Open / });
    host = (await link.textContent())!.replace(/^Open /, "");
    const [tab] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    await tab.waitForLoadState();
    expect(await tab.textContent("body")).toContain("hello: from the browser");
    await tab.close();
  });

  it("shows a log line written by the workload as it arrives", async () => {
    const logs = page.getByTestId("log-lines");
    await expect
      .poll(() =>
        page
          .getByRole("status")
          .filter({ hasText: /^live$/ })
          .count(),
      )
      .toBe(1);
    const marker = `/live-${Date.now()}`;
    expect(await logs.textContent()).not.toContain(marker);
    expect((await viaIngress(t.url, host, marker)).status).toBe(200);
    await expect.poll(() => logs.textContent(), { timeout: UI_TIMEOUT }).toContain(`GET ${marker}`);

    // Pause holds new lines back; search filters them.
    await page.getByRole("button", { name: "Pause logs" }).click();
    const held = `/held-${Date.now()}`;
    await viaIngress(t.url, host, held);
    await expect
      .poll(() => page.getByRole("button", { name: /^Resume logs \(\d+ new\)$/ }).textContent())
      .toMatch(/[1-9]/);
    expect(await logs.textContent()).not.toContain(held);
    await page.getByRole("button", { name: /^Resume logs/ }).click();
    await expect.poll(() => logs.textContent()).toContain(held);
    await page.getByLabel("Search logs", { exact: true }).fill("held-");
    await expect.poll(() => logs.textContent()).not.toContain(marker);
    await page.getByLabel("Search logs", { exact: true }).fill("");
  });

  it("samples CPU and memory into charts", async () => {
    await expect
      .poll(() => page.getByRole("figure").filter({ hasText: "Memory" }).textContent())
      .toMatch(/\d+ MiB/);
    await page.getByRole("img", { name: "CPU over time" }).waitFor();
  });

  it("changes config and shows the restart", async () => {
    await page.getByLabel("Value of GREETING", { exact: true }).fill("changed in the browser");
    await page.getByRole("button", { name: "Save and restart" }).click();
    await page.getByText("Saved; the deployment restarts").waitFor();
    const history = page.getByRole("region", { name: "History" });
    await expect.poll(() => history.textContent(), { timeout: UI_TIMEOUT }).toContain("config:");
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");
    await expect
      .poll(async () => (await viaIngress(t.url, host)).text, { timeout: UI_TIMEOUT })
      .toContain("hello: changed in the browser");
  });

  it("keeps secret values write-only in the config editor", async () => {
    await page.getByRole("button", { name: "Add var" }).click();
    await page.getByLabel("Name", { exact: true }).last().fill("API_TOKEN");
    await page.getByLabel("Value of API_TOKEN", { exact: true }).fill("s3cret-from-the-browser");
    await page.getByRole("button", { name: "Save and restart" }).click();
    const secret = page.getByLabel("Value of API_TOKEN (secret, write-only)");
    await secret.waitFor();
    expect(await secret.getAttribute("type")).toBe("password");
    expect(await secret.inputValue()).toBe("");
    expect(await page.content()).not.toContain("s3cret-from-the-browser");

    // Saving again without typing it keeps the stored value.
    await page.getByLabel("Value of GREETING", { exact: true }).fill("changed in the browser");
    await page.getByRole("button", { name: "Save and restart" }).click();
    await page.getByText("Saved; the deployment restarts").waitFor();
    const config = await apiClient(t.url, key)("GET", `/api/deployments/config?name=${name}`);
    expect(config.body.configData).toEqual({ GREETING: "changed in the browser", API_TOKEN: "********" });
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");

    // The live log follows the restarted process too.
    const marker = `/after-restart-${Date.now()}`;
    await expect
      .poll(
        async () => {
          await viaIngress(t.url, host, marker);
          return page.getByTestId("log-lines").textContent();
        },
        { timeout: UI_TIMEOUT, interval: 1000 },
      )
      .toContain(`GET ${marker}`);
  });

  it("pauses it; loading its URL wakes it", async () => {
    await confirm("Pause");
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("paused");
    await page.getByRole("button", { name: "Resume", exact: true }).waitFor();
    await expectAccessible();

    const tab = await page.context().newPage();
    await tab.goto(`http://${host}:${new URL(t.url).port}/`);
    expect(await tab.textContent("body")).toContain("hello: changed in the browser");
    await tab.close();
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");
  });

  it("backs it up and restores it with phase and bytes visible", async () => {
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { phases: string[] }).phases = seen;
      new MutationObserver(() => {
        for (const cell of document.querySelectorAll("td.phase")) {
          const text = cell.textContent ?? "";
          if (seen.at(-1) !== text) seen.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await confirm("Back up now", "Start backup");
    const row = page.locator("tr[data-backup]").first();
    await expect.poll(() => row.locator("td.phase").textContent(), { timeout: UI_TIMEOUT }).toBe("completed");
    await expect.poll(() => row.textContent()).toContain("succeeded");
    expect(await row.locator(".bytes").textContent()).toMatch(/^\d[\d.]* (B|KiB|MiB) \/ \d/);
    await expectAccessible();

    await row.getByRole("button", { name: "Restore" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Restore" }).click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { phases: string[] }).phases), {
        timeout: UI_TIMEOUT,
      })
      .toEqual(expect.arrayContaining([expect.stringMatching(/^restoring-/)]));
    await expect.poll(() => row.textContent(), { timeout: UI_TIMEOUT }).toContain("restore succeeded");
    expect(await row.locator("td.phase").textContent()).toBe("completed");
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");
  });

  it("shows templates with revisions and the drift of its deployments", async () => {
    await nav("Templates");
    const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: /^Hello/ }) });
    await card.getByText("up-to-date").waitFor();
    await card.getByRole("button", { name: "Show revisions" }).click();
    await card.getByText("vars: GREETING").waitFor();
    await expectAccessible();
  });

  it("creates a schedule and shows its runs with their output", async () => {
    const agent = await t.api("POST", "/api/agents", {
      token: key,
      body: {
        name: "reporter",
        spec: { name: "report", command: "node", args: ["-e", "console.log('report ready')"] },
      },
    });
    expect(agent.status).toBe(201);
    await nav("Agents");
    await page.getByRole("row", { name: /reporter/ }).waitFor();
    await expectAccessible();

    await nav("Schedules");
    await page.getByText("No schedules yet").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("nightly report");
    await page.getByLabel("Agent", { exact: true }).selectOption({ label: "reporter" });
    await page.getByLabel("Cron expression", { exact: true }).fill("30 9 * * 1-5");
    await page.getByLabel("Timezone", { exact: true }).fill("Europe/Berlin");
    await page.getByLabel("First message to the agent", { exact: true }).fill("write the report");
    await page.getByRole("button", { name: "Create schedule" }).click();
    const card = page
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: /nightly report/ }) });
    await card.getByText("Upcoming runs").waitFor();
    expect(await card.locator("time").count()).toBe(5);
    await card.getByRole("button", { name: "Run now" }).click();
    const run = card.locator("[data-run-status]").first();
    await expect.poll(() => run.getAttribute("data-run-status"), { timeout: UI_TIMEOUT }).toBe("completed");
    expect(await run.textContent()).toContain("report ready");
    expect(await run.textContent()).toContain("manual");

    await card.getByRole("button", { name: "Pause", exact: true }).click();
    await page.getByRole("dialog").getByLabel("Reason (optional)", { exact: true }).fill("holiday week");
    await page.getByRole("dialog").getByRole("button", { name: "Pause", exact: true }).click();
    await card.getByText("Paused: holiday week").waitFor();
    await expectAccessible();
  });

  it("creates a key, shows it once, and revokes it", async () => {
    await nav("API keys");
    await page.getByLabel("Name", { exact: true }).fill("ci pipeline");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = (await page.getByLabel("New API key", { exact: true }).textContent())!;
    expect(shown).toMatch(/^berth_/);
    const api = apiClient(t.url, shown);
    expect((await api("GET", "/api/me")).status).toBe(200);
    await page.getByRole("row", { name: /ci pipeline/ }).waitFor();
    await expectAccessible();

    await page.getByRole("button", { name: "Revoke ci pipeline" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
    await page.getByRole("row", { name: /ci pipeline/ }).waitFor({ state: "detached" });
    expect((await api("GET", "/api/me")).status).toBe(401);

    // Navigating away and back does not show the key again.
    await nav("Team");
    await nav("API keys");
    expect(await page.getByLabel("New API key", { exact: true }).count()).toBe(0);
  });

  it("shows the team's usage against its tier", async () => {
    await nav("Team");
    await page.getByRole("definition").filter({ hasText: "1 of 10" }).waitFor();
    expect(await page.getByRole("meter", { name: "Deployment limit used" }).getAttribute("value")).toBe("1");
    await expectAccessible();
  });

  it("deploys an image, shows a refused one's server message, scales, saves, redeploys and deletes", async () => {
    await nav("Deployments");
    await page.getByLabel("Image", { exact: true }).fill("no-such/image");
    await page.getByRole("button", { name: "Deploy image" }).click();
    errors.allow(/status of 4\d\d/);
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/no-such\/image.*\(HTTP 4\d\d\)/);
    errors.take();

    await page.getByLabel("Image", { exact: true }).fill("berth/hello");
    await page.getByRole("button", { name: "Deploy image" }).click();
    await page.waitForURL(
      (u) => /\/dashboard\/deployments\/[a-z0-9]{10}$/.test(u.pathname) && !u.pathname.endsWith(name),
    );
    const image = page.url().split("/").at(-1)!;
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");

    await page.getByRole("button", { name: "Scale", exact: true }).click();
    await page.getByRole("dialog").getByLabel("Replicas").fill("2");
    await page.getByRole("dialog").getByRole("button", { name: "Scale" }).click();
    await expect
      .poll(() => page.locator(".summary").textContent(), { timeout: UI_TIMEOUT })
      .toContain("2 replicas");

    await confirm("Save as template");
    await page
      .getByRole("status")
      .filter({ hasText: /^Template .+ created, revision 1\.$/ })
      .waitFor();
    await page.getByText("up-to-date").waitFor();

    await confirm("Redeploy");
    await page.waitForURL((u) => !u.pathname.endsWith(image));
    const redeployed = page.url().split("/").at(-1)!;
    await page.getByRole("heading", { level: 1, name: redeployed }).waitFor();
    await expect.poll(() => badge().getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("ready");

    await confirm("Delete");
    await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
    await expect
      .poll(() => page.getByRole("row", { name: new RegExp(redeployed) }).count(), { timeout: UI_TIMEOUT })
      .toBe(0);
  });

  it("works from the keyboard: skip link first, dialogs trap focus and close on Escape", async () => {
    await page.goto(`${t.url}/dashboard/deployments/${name}`);
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Deployments");

    await page.getByRole("button", { name: "Restart", exact: true }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Restart");
  });

  it("passes axe-core on every page, at desktop and at phone width", async () => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [label, heading] of [
        ["Deployments", "Deployments"],
        ["Templates", "Templates"],
        ["Schedules", "Schedules"],
        ["Agents", "Agents"],
        ["API keys", "API keys"],
        ["Team", "Team"],
      ] as const) {
        await nav(label, heading);
        expect(await seriousViolations(page), `${label} at ${width}px`).toEqual([]);
      }
      await page.goto(`${t.url}/dashboard/deployments/${name}`);
      await page.getByRole("heading", { name: "Backups" }).waitFor();
      expect(await seriousViolations(page), `deployment at ${width}px`).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("shows a second team's user none of the first team's objects", async () => {
    const other = await teamWithKey(t.api);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key", { exact: true }).fill(other.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await nav("Deployments");
    await page.getByText("No deployments yet").waitFor();
    expect(await page.content()).not.toContain(name);

    await nav("Schedules");
    await page.getByText("No schedules yet").waitFor();
    await nav("Agents");
    await page.getByText("No agents yet").waitFor();
    await nav("API keys");
    await page.getByRole("row", { name: /test/ }).first().waitFor();
    expect(await page.getByRole("row").count()).toBe(2); // header + this team's own key
    await nav("Templates");
    await page.getByRole("heading", { name: /^Hello/ }).waitFor();
    expect(await page.getByText(name).count()).toBe(0);

    errors.allow(/status of 404/);
    await page.goto(`${t.url}/dashboard/deployments/${name}`);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("HTTP 404");
    expect(await page.content()).not.toContain("changed in the browser");
  });
});
