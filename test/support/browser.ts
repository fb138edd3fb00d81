/**
 * Debian's chromium driven by playwright-core (never a downloaded browser), for the dashboard's
 * browser tests and the screenshot script; plus the two checks every browser test makes: no console
 * errors, and no serious or critical axe-core violations.
 */
import { createRequire } from "node:module";
import fs from "node:fs";
import { type Browser, chromium, type ConsoleMessage, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags from TOOLCHAIN.md: headless, no sandbox (root), no GPU, no background traffic. */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run node scripts/system-deps.mjs (installs Debian's chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/**
 * Collects console errors and uncaught page errors. `allow(pattern)` lets a test accept the
 * browser's own "Failed to load resource … 404" line for a request it makes fail on purpose.
 */
export function consoleErrors(page: Page): { take(): string[]; allow(pattern: RegExp): void } {
  const errors: string[] = [];
  const allowed: RegExp[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error" && !allowed.some((p) => p.test(m.text()))) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  return {
    take: () => errors.splice(0),
    allow: (p) => allowed.push(p),
  };
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page (evaluated over the DevTools protocol, so the dashboard's CSP stays on)
 * and returns its serious and critical violations.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(ctx: Document): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    return (await axe.run(document)).violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
}
