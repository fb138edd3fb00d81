/**
 * One rule, one home: host paths are the same list for mount paths and arguments; the env names
 * berth sets are refused whether set or declared; tier limits come from the one tier table.
 */
import { describe, expect, it } from "vitest";
import type { RunnableConfig } from "./config-spec.js";
import { RESERVED_ENV_NAMES } from "./config-spec.js";
import { isHostPath, policyViolations, tierPolicy } from "./policy.js";
import { TIERS, tierLimit, tierLimits, tierReplicaLimit } from "./tiers.js";

const ctx = { ...tierPolicy("enterprise"), canRunImage: () => true, allowedCommands: ["node"] };
const workload = (extra: object) =>
  ({
    workloads: [{ name: "web", kind: "service", command: "node", args: [], env: {}, replicas: 1, ...extra }],
    envVars: [],
  }) as RunnableConfig;

describe("host paths", () => {
  it.each([["/"], ["/etc"], ["/etc/passwd"], ["/usr/lib"], ["/var/run/docker.sock"], ["/proc/1/environ"]])(
    "%s is a host path",
    (p) => expect(isHostPath(p)).toBe(true),
  );
  it.each([["/data"], ["/srv/app"], ["/etcetera"], ["/tmp/x"]])("%s is not", (p) =>
    expect(isHostPath(p)).toBe(false),
  );

  it.each([
    ["/usr/lib", "/usr"],
    ["--config=/etc/app.conf", "/etc"],
    ["/var/run/docker.sock", "/var/run"],
  ])(
    "refuses %s as an argument exactly as it refuses it as a mount path (naming %s, not the argument)",
    (p, host) => {
      const asArg = policyViolations(workload({ args: ["-v", p] }), ctx);
      const mount = p.slice(p.indexOf("=") + 1);
      const asMount = policyViolations(workload({ volume: { mountPath: mount, size: "1Gi" } }), ctx);
      expect(asArg).toEqual([`workload web: argument 1 refers to host path ${host}`]);
      expect(asMount).toEqual([`workload web: volume mountPath ${mount} is a host path`]);
    },
  );
});

describe("reserved env names", () => {
  it.each(RESERVED_ENV_NAMES.map((n) => [n]))("%s can be neither set nor declared", (name) => {
    expect(policyViolations(workload({ env: { [name]: "x" } }), ctx)).toEqual([
      `workload web: env var ${name} is set by berth and cannot be overridden`,
    ]);
    const declared = {
      ...workload({}),
      envVars: [{ name, required: false, secret: false }],
    } as RunnableConfig;
    expect(policyViolations(declared, ctx)).toEqual([
      `env var ${name} is set by berth and cannot be declared`,
    ]);
  });

  it("leaves the agent protocol's names to the config's author", () => {
    expect(
      policyViolations(workload({ env: { BERTH_AGENT_TOKEN: "t", BERTH_HEARTBEAT_URL: "u" } }), ctx),
    ).toEqual([]);
  });
});

describe("tiers (SPEC §1, docs/decisions.md)", () => {
  it.each<[string, number | null, number]>([
    ["free", 1, 2],
    ["business", 10, 10],
    ["enterprise", null, 50],
  ])("%s: %s live deployments, %s replicas", (tier, deployments, replicas) => {
    expect(tierLimit(tier)).toBe(deployments);
    expect(tierReplicaLimit(tier)).toBe(replicas);
    expect(tierPolicy(tier).maxReplicas).toBe(replicas);
  });

  it("has one row per tier, and an unknown tier gets the widest", () => {
    expect(TIERS.map((t) => tierLimits(t).replicas)).toEqual([2, 10, 50]);
    expect(tierLimits("unknown")).toEqual(tierLimits("enterprise"));
  });
});
