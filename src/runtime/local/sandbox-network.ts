/**
 * A sandbox's network on the kernel's own path: a veth pair between the host and the sandbox's
 * named network namespace (netns.ts), a /31 of addresses per sandbox, routing and NAT by netfilter
 * (`ip` from iproute2, `nft` from nftables). Nothing copies forwarded bytes in user space.
 *
 * - Addresses: block i of the subnet (default DEFAULT_SANDBOX_SUBNET) is the pair
 *   <gateway = base + 2i> (host end, `bs<13 hex of the id>`) / <address = base + 2i + 1> (`eth0`
 *   inside). A block is taken with an O_EXCL lock file under LOCK_DIR (tmpfs) holding
 *   "<sandbox id> <api port>", so control planes sharing the host never hand out the same block.
 * - Inbound: the ingress connects to <address>:<port>; inside, tcp to <port> arriving on eth0 is
 *   DNATed to 127.0.0.1 (route_localnet on eth0 only), so programs listening on loopback are reached.
 * - berth's API: inside, 127.0.0.1:<apiPort> is DNATed to the gateway and masqueraded; on the host,
 *   (address . gateway . apiPort) in the set `api` is DNATed to 127.0.0.1:<apiPort> (route_localnet
 *   on the host end only). Each sandbox reaches exactly its own control plane's API port.
 * - Isolation (host table `inet berth_sandbox`, shared by every control plane on the host, its
 *   rules identical and re-made idempotently; the subnets are elements of its set `nets`): from
 *   sandbox addresses, input only replies and the API; forwarding into sandboxes only replies (so
 *   sandbox → sandbox is refused); sandbox → container bridges and link-local (cloud metadata)
 *   refused; anything else is forwarded and masqueraded. Refused TCP gets a reset, anything else an
 *   ICMP error, so a connect fails at once. IPv6 is off inside. The tenant cannot change any of it: its user
 *   namespace holds no capability over the berth-owned network namespace.
 * - Release: deleting the namespace deletes the veth; `releaseNetwork` then drops the API element
 *   and the lock. `sweepStaleNetworks` does the same for locks whose namespace is gone (a killed
 *   control plane), at start-up after the namespace sweep.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { covers, DEFAULT_SANDBOX_SUBNET, fromIp, parseSubnet, type Subnet, toIp } from "../sandbox-subnet.js";
import { netnsName, netnsPath } from "./netns.js";

/** Where the address blocks' lock files live (tmpfs: a reboot frees every block). */
export const LOCK_DIR = "/run/berth-sandbox-net";
const TABLE = "inet berth_sandbox";
/** Host interfaces of container engines' bridges: other tenants' workloads, out of a sandbox's reach. */
const CONTAINER_BRIDGES = '{ "podman*", "cni-*", "docker*", "br-*", "virbr*" }';
/**
 * A lock is taken before its sandbox's namespace exists, so a lock without a namespace is stale only
 * once it is this old (real time, by its mtime): younger, it may be another control plane's network
 * in the making. Also how long an empty lock (a control plane killed while writing it) is spared.
 */
export const LOCK_GRACE_MS = 60_000;
/**
 * Rules refusing what `match` matches: a TCP reset for TCP (not rate-limited, unlike ICMP errors,
 * so every refused connect fails at once instead of waiting for SYN retries), an ICMP error else.
 */
const refuse = (chain: string, match: string) => [
  `add rule ${TABLE} ${chain} ${match} meta l4proto tcp reject with tcp reset`,
  `add rule ${TABLE} ${chain} ${match} reject with icmpx type admin-prohibited`,
];

/** A sandbox's addresses: its own (`address`, where the ingress reaches it) and its gateway on the host. */
export interface SandboxAddresses {
  address: string;
  gateway: string;
}

/** The host end's interface name: ≤ 15 characters, fixed prefix `bs`. */
export const hostVeth = (id: string) => `bs${id.slice(0, 13)}`;

type Known = SandboxAddresses & { apiPort?: number };
/** Addresses of the sandboxes whose network this process made (fully wired) or read back, by id. */
const known = new Map<string, Known>();
/** Addresses of the sandboxes whose network this process is making (not reachable yet), by id. */
const making = new Map<string, Known>();

/** The control plane's record of a sandbox's network: `<runDir>/<id>.net`, "<address> <gateway> <api port>". */
const recordFile = (runDir: string, id: string) => path.join(runDir, `${id}.net`);

function readRecord(runDir: string, id: string): Known | undefined {
  let text: string;
  try {
    text = fs.readFileSync(recordFile(runDir, id), "utf8");
  } catch {
    return undefined;
  }
  const [address = "", gateway = "", port] = text.trim().split(" ");
  if (fromIp(address) === undefined || fromIp(gateway) === undefined) return undefined;
  return { address, gateway, apiPort: port ? Number(port) : undefined };
}

/**
 * The address a sandbox is reached at once its network is up: from this process's memory, or
 * from the record its control plane wrote (a replica adopted after a restart).
 */
export function sandboxAddress(runDir: string, id: string): string | undefined {
  let a = known.get(id);
  if (!a) {
    a = readRecord(runDir, id);
    if (a) known.set(id, a);
  }
  return a?.address;
}

/** Sandbox ids with a network record in a control plane's run dir (made ahead, or a replica's). */
export function recordedNetworks(runDir: string): string[] {
  try {
    return fs
      .readdirSync(runDir)
      .filter((f) => /^[0-9a-f]{16}\.net$/.test(f))
      .map((f) => f.slice(0, 16));
  } catch {
    return [];
  }
}

interface Lock {
  file: string;
  id: string;
  apiPort?: number;
  gateway: string;
  /** Last modified (ms since the epoch). */
  mtimeMs: number;
}

function readLocks(): Lock[] {
  let names: string[];
  try {
    names = fs.readdirSync(LOCK_DIR);
  } catch {
    return [];
  }
  const out: Lock[] = [];
  for (const name of names) {
    if (fromIp(name) === undefined) continue;
    const file = path.join(LOCK_DIR, name);
    let text: string;
    let mtimeMs: number;
    try {
      text = fs.readFileSync(file, "utf8");
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    const [id = "", port] = text.trim().split(" ");
    if (!/^[0-9a-f]{16}$/.test(id)) {
      // Being written by another control plane, or left empty by one killed while writing it.
      if (Date.now() - mtimeMs >= LOCK_GRACE_MS) out.push({ file, id: "", gateway: name, mtimeMs });
      continue;
    }
    out.push({ file, id, gateway: name, apiPort: port ? Number(port) : undefined, mtimeMs });
  }
  return out;
}

/** Takes a free /31 of the subnet for `id`; returns its addresses. */
function takeBlock(subnet: Subnet, id: string, apiPort: number | undefined): SandboxAddresses {
  fs.mkdirSync(LOCK_DIR, { recursive: true, mode: 0o700 });
  const blocks = 2 ** (32 - subnet.prefix) / 2;
  const first = Math.floor(Math.random() * blocks);
  for (let n = 0; n < blocks; n++) {
    const gateway = toIp(subnet.base + 2 * ((first + n) % blocks));
    try {
      fs.writeFileSync(path.join(LOCK_DIR, gateway), `${id} ${apiPort ?? ""}\n`, { flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    return { gateway, address: toIp(subnet.base + 2 * ((first + n) % blocks) + 1) };
  }
  throw new Error("no free sandbox address left in the sandbox subnet (BERTH_SANDBOX_SUBNET)");
}

const hostRulesMade = new Map<string, Promise<void>>();

/**
 * The host's table: made once per process and subnet, idempotently (its chains are flushed and
 * re-made with identical rules in one transaction, so control planes sharing the host agree).
 */
function ensureHostRules(subnet: string): Promise<void> {
  let made = hostRulesMade.get(subnet);
  if (!made) {
    made = makeHostRules(subnet);
    made.catch(() => hostRulesMade.delete(subnet));
    hostRulesMade.set(subnet, made);
  }
  return made;
}

/** The subnets in the host's set `nets` (every control plane's on this host); none before the first. */
async function hostSubnets(): Promise<Subnet[]> {
  const out = await new Promise<string>((resolve) =>
    execFile("nft", ["-j", "list", "set", "inet", "berth_sandbox", "nets"], (err, stdout) =>
      resolve(err ? "" : String(stdout)),
    ),
  );
  let parsed: { nftables?: { set?: { elem?: unknown[] } }[] };
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    return [];
  }
  const elements = parsed.nftables?.find((o) => o.set)?.set?.elem ?? [];
  const subnets: Subnet[] = [];
  for (const e of elements) {
    const prefix = (e as { prefix?: { addr?: unknown; len?: unknown } }).prefix;
    const base =
      typeof prefix?.addr === "string" ? fromIp(prefix.addr) : typeof e === "string" ? fromIp(e) : undefined;
    const len = typeof prefix?.len === "number" ? prefix.len : 32;
    if (base !== undefined) subnets.push({ base, prefix: len });
  }
  return subnets;
}

/**
 * Lines putting `subnet` into the set `nets`: none when another control plane's subnet covers it
 * already; else it replaces the ones it covers (an interval set refuses overlapping elements, and
 * CIDRs nest or are disjoint), in the same atomic batch, so no address is ever out of the set.
 */
async function netsElementLines(cidr: string): Promise<string[]> {
  const mine = parseSubnet(cidr);
  const present = await hostSubnets();
  if (present.some((s) => covers(s, mine))) return [];
  const cidrOf = (s: Subnet) => `${toIp(s.base)}/${s.prefix}`;
  return [
    ...present.filter((s) => covers(mine, s)).map((s) => `delete element ${TABLE} nets { ${cidrOf(s)} }`),
    `add element ${TABLE} nets { ${cidr} }`,
  ];
}

async function makeHostRules(subnet: string): Promise<void> {
  // Outbound traffic of sandboxes is routed by the host.
  fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  const chain = (name: string, hook: string) =>
    `add chain ${TABLE} ${name} { ${hook}; }\nflush chain ${TABLE} ${name}`;
  const script = [
    `add table ${TABLE}`,
    `add set ${TABLE} nets { type ipv4_addr; flags interval; }`,
    ...(await netsElementLines(subnet)),
    `add set ${TABLE} api { type ipv4_addr . ipv4_addr . inet_service; }`,
    chain("prerouting", "type nat hook prerouting priority dstnat"),
    `add rule ${TABLE} prerouting ip saddr . ip daddr . tcp dport @api dnat ip to 127.0.0.1`,
    chain("input", "type filter hook input priority filter - 10; policy accept"),
    `add rule ${TABLE} input ip saddr @nets ct state established,related accept`,
    `add rule ${TABLE} input ip saddr . ct original ip daddr . tcp dport @api ip daddr 127.0.0.1 ct status dnat accept`,
    ...refuse("input", 'ip saddr @nets iifname != "lo"'),
    chain("forward", "type filter hook forward priority filter - 10; policy accept"),
    `add rule ${TABLE} forward ip daddr @nets ct state established,related accept`,
    ...refuse("forward", "ip daddr @nets"),
    ...refuse("forward", `ip saddr @nets oifname ${CONTAINER_BRIDGES}`),
    ...refuse("forward", "ip saddr @nets ip daddr 169.254.0.0/16"),
    `add rule ${TABLE} forward ip saddr @nets accept`,
    chain("postrouting", "type nat hook postrouting priority srcnat"),
    `add rule ${TABLE} postrouting ip saddr @nets ip daddr != @nets masquerade`,
  ].join("\n");
  await withStdin("nft", ["-f", "-"], script);
}

/** Runs a tool with `input` on its stdin; rejects with its stderr when it fails. */
function withStdin(file: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, (err, _out, stderr) =>
      err ? reject(new Error(`${file} failed: ${String(stderr).trim() || err.message}`)) : resolve(),
    );
    child.stdin?.end(input);
  });
}

/**
 * Wires the sandbox's namespace (made already, `addNetns`): its veth pair, addresses, routes and
 * rules. `port` is reachable from the host at <address>:<port>; `apiPort` inside at
 * 127.0.0.1:<apiPort>. Throws when a tool fails; `releaseNetwork` undoes a partial set-up.
 */
export async function setUpNetwork(net: {
  id: string;
  runDir: string;
  subnet?: string;
  port: number | null;
  apiPort?: number;
  /** Called once the namespace's loopback and address are up (its rules come after). */
  onAddressed?: () => void;
}): Promise<SandboxAddresses> {
  const cidr = net.subnet ?? DEFAULT_SANDBOX_SUBNET;
  const subnet = parseSubnet(cidr);
  for (const p of [net.port, net.apiPort])
    if (p != null && !(Number.isInteger(p) && p > 0 && p < 65536)) throw new Error(`invalid port ${p}`);
  await ensureHostRules(cidr);
  const addrs = takeBlock(subnet, net.id, net.apiPort);
  making.set(net.id, { ...addrs, apiPort: net.apiPort });
  const veth = hostVeth(net.id);
  await withStdin(
    "ip",
    ["-batch", "-"],
    [
      `link add ${veth} type veth peer name eth0 netns ${netnsName(net.id)}`,
      `addr add ${addrs.gateway}/31 dev ${veth}`,
      `link set ${veth} up`,
      "",
    ].join("\n"),
  );
  await withStdin(
    "ip",
    ["-n", netnsName(net.id), "-batch", "-"],
    [
      `addr add ${addrs.address}/31 dev eth0`,
      "link set lo up",
      "link set eth0 up",
      `route add default via ${addrs.gateway}`,
      "",
    ].join("\n"),
  );
  net.onAddressed?.();
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${veth}/route_localnet`, "1");
  fs.writeFileSync(`/proc/sys/net/ipv6/conf/${veth}/disable_ipv6`, "1");
  if (net.apiPort !== undefined)
    await withStdin("nft", ["-f", "-"], `add element ${TABLE} ${apiElement(addrs, net.apiPort)}`);
  const rules = [
    "table ip berth {",
    "  chain prerouting { type nat hook prerouting priority dstnat;",
    net.port !== null ? `    iifname "eth0" tcp dport ${net.port} dnat to 127.0.0.1` : "",
    "  }",
    "  chain output { type nat hook output priority -100;",
    net.apiPort !== undefined
      ? `    ip daddr 127.0.0.1 tcp dport ${net.apiPort} dnat to ${addrs.gateway}`
      : "",
    "  }",
    "  chain postrouting { type nat hook postrouting priority srcnat;",
    '    oifname "eth0" ip saddr 127.0.0.0/8 masquerade',
    "  }",
    "}",
  ].join("\n");
  // Inside the namespace: IPv6 off, loopback reachable from eth0 (only the DNATed port gets
  // there), then the rules (read by nft from stdin).
  const inside = [
    "for f in all default lo eth0; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done",
    "echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet",
    "exec nft -f -",
  ].join("\n");
  await withStdin("nsenter", [`--net=${netnsPath(net.id)}`, "--", "sh", "-ec", inside], rules);
  // Reachable now: the probes and the ingress may use the address.
  if (!making.delete(net.id)) throw new Error("the sandbox's network was released while it was being made");
  fs.mkdirSync(net.runDir, { recursive: true });
  fs.writeFileSync(
    recordFile(net.runDir, net.id),
    `${addrs.address} ${addrs.gateway} ${net.apiPort ?? ""}\n`,
  );
  known.set(net.id, { ...addrs, apiPort: net.apiPort });
  return addrs;
}

/** True while the sandbox's network can carry traffic (its namespace exists). */
export function networkExists(id: string): boolean {
  return fs.existsSync(netnsPath(id));
}

/** The `api` set's element letting a sandbox reach its control plane's API port at its gateway. */
const apiElement = (a: SandboxAddresses, apiPort: number) =>
  `api { ${a.address} . ${a.gateway} . ${apiPort} }`;

async function dropLock(l: { file: string; gateway: string; apiPort?: number }): Promise<void> {
  // The API element goes first: once the lock is gone, the block may be handed to another sandbox.
  const a = { gateway: l.gateway, address: toIp(fromIp(l.gateway)! + 1) };
  if (l.apiPort !== undefined)
    await withStdin("nft", ["-f", "-"], `delete element ${TABLE} ${apiElement(a, l.apiPort)}`).catch(
      () => undefined,
    );
  fs.rmSync(l.file, { force: true });
}

/**
 * Forgets the sandbox's addresses: its API element, its address block and its record. Call after
 * its namespace is deleted (which deletes the veth pair). Idempotent.
 */
export async function releaseNetwork(runDir: string, id: string): Promise<void> {
  const a = known.get(id) ?? making.get(id) ?? readRecord(runDir, id);
  known.delete(id);
  making.delete(id);
  if (a) {
    const file = path.join(LOCK_DIR, a.gateway);
    let owner = "";
    try {
      owner = fs.readFileSync(file, "utf8").split(" ")[0] ?? "";
    } catch {
      // released already (or swept)
    }
    if (owner === id) await dropLock({ file, gateway: a.gateway, apiPort: a.apiPort });
  }
  fs.rmSync(recordFile(runDir, id), { force: true });
}

/**
 * Releases the address blocks (and API elements) of sandboxes whose namespace is gone and whose lock
 * is at least LOCK_GRACE_MS old (real time): left by a control plane killed before it released
 * them; and this control plane's records of them. Returns how many blocks.
 */
export async function sweepStaleNetworks(runDir: string): Promise<number> {
  for (const id of recordedNetworks(runDir))
    if (!networkExists(id)) fs.rmSync(recordFile(runDir, id), { force: true });
  let count = 0;
  for (const l of readLocks()) {
    if (Date.now() - l.mtimeMs < LOCK_GRACE_MS) continue;
    if (l.id && networkExists(l.id)) continue;
    known.delete(l.id);
    await dropLock(l);
    count++;
  }
  return count;
}
