/**
 * The berth client: one method per operation of the platform API and the four surfaces, typed from
 * the OpenAPI document berth serves. Path parameters come first, in path order; then the body (for
 * POST, PUT and PATCH) or the query string (for GET and DELETE).
 */
import { BerthError } from "./errors.js";
import {
  type Body,
  type JsonObject,
  type OperationName,
  operations,
  type Query,
  type Result,
} from "./operations.js";
import { sseData } from "./sse.js";

export interface BerthClientOptions {
  /** The control plane's URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** An API key (`Authorization: Bearer …`). */
  token?: string;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Poll interval; 500 ms by default. */
  intervalMs?: number;
  /** Give up after this long; 10 minutes by default. */
  timeoutMs?: number;
  /** Called with the backup record after each poll. */
  onProgress?: (backup: Backup) => void;
  signal?: AbortSignal;
}

export type Backup = Result<"listCloudDeploymentBackups">["backups"][number];

type Params = Record<string, string>;
interface Input {
  query?: object;
  body?: unknown;
  signal?: AbortSignal;
}

export class BerthClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: BerthClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    // Called through a wrapper: a browser's fetch stored on another object throws "Illegal invocation".
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Calls one operation by name; the typed methods below all go through here. */
  async request<N extends OperationName>(op: N, params: Params = {}, input: Input = {}): Promise<Result<N>> {
    const res = await this.send(op, params, input);
    if (res.status === 204) return null as Result<N>;
    const text = await res.text();
    return (text && isJson(res) ? JSON.parse(text) : text) as Result<N>;
  }

  private async send(op: OperationName, params: Params, input: Input): Promise<Response> {
    const [method, template] = operations[op];
    const path = template.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined || value === "") throw new TypeError(`${op}: missing ${key}`);
      return encodeURIComponent(value);
    });
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(input.query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (input.body !== undefined) {
      body = JSON.stringify(input.body);
      headers["content-type"] = "application/json";
    }
    const res = await this.fetchImpl(url, { method, headers, body, signal: input.signal });
    if (res.ok) return res;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // a body that is not JSON is kept as text
    }
    throw new BerthError(res.status, parsed, method, path);
  }

  // --- probes
  health() {
    return this.request("health");
  }
  ready() {
    return this.request("ready");
  }

  // --- platform API
  getMe() {
    return this.request("getMe");
  }
  createTeam(body: Body<"createTeam">) {
    return this.request("createTeam", {}, { body });
  }
  listTeams() {
    return this.request("listTeams");
  }
  getTeam(teamId: string) {
    return this.request("getTeam", { teamId });
  }
  updateTeam(teamId: string, body: Body<"updateTeam">) {
    return this.request("updateTeam", { teamId }, { body });
  }
  listTeamBillingEvents(teamId: string) {
    return this.request("listTeamBillingEvents", { teamId });
  }
  createUser(body: Body<"createUser">) {
    return this.request("createUser", {}, { body });
  }
  listUsers() {
    return this.request("listUsers");
  }
  /** The key itself is in the answer once and never again. */
  createKey(body: Body<"createKey">) {
    return this.request("createKey", {}, { body });
  }
  listKeys() {
    return this.request("listKeys");
  }
  deleteKey(keyId: string) {
    return this.request("deleteKey", { keyId });
  }
  listTemplates() {
    return this.request("listTemplates");
  }
  createTemplate(body: Body<"createTemplate">) {
    return this.request("createTemplate", {}, { body });
  }
  getTemplate(slug: string) {
    return this.request("getTemplate", { slug });
  }
  deleteTemplate(slug: string) {
    return this.request("deleteTemplate", { slug });
  }
  createTemplateRevision(slug: string, body: Body<"createTemplateRevision">) {
    return this.request("createTemplateRevision", { slug }, { body });
  }
  setTemplateStatus(slug: string, body: Body<"setTemplateStatus">) {
    return this.request("setTemplateStatus", { slug }, { body });
  }
  createAgent(body: Body<"createAgent">) {
    return this.request("createAgent", {}, { body });
  }
  listAgents() {
    return this.request("listAgents");
  }
  getAgent(agentId: string) {
    return this.request("getAgent", { agentId });
  }
  sendAgentHeartbeat(agentId: string, body: Body<"sendAgentHeartbeat"> = {}) {
    return this.request("sendAgentHeartbeat", { agentId }, { body });
  }

  // --- container registry logins (the password is write-only: no answer carries it)
  listRegistryCredentials() {
    return this.request("listRegistryCredentials");
  }
  putRegistryCredential(registry: string, body: Body<"putRegistryCredential">) {
    return this.request("putRegistryCredential", { registry }, { body });
  }
  getRegistryCredential(registry: string) {
    return this.request("getRegistryCredential", { registry });
  }
  deleteRegistryCredential(registry: string) {
    return this.request("deleteRegistryCredential", { registry });
  }

  // --- template platform API (seed 004)
  listDeployments(query: Query<"listDeployments"> = {}) {
    return this.request("listDeployments", {}, { query });
  }
  createDeployment(body: Body<"createDeployment">) {
    return this.request("createDeployment", {}, { body });
  }
  getDeploymentStatus(name: string) {
    return this.request("getDeploymentStatus", {}, { query: { name } });
  }
  deleteDeployment(name: string) {
    return this.request("deleteDeployment", {}, { body: { deployment_name: name } });
  }
  restartDeployment(name: string) {
    return this.request("restartDeployment", {}, { body: { deployment_name: name } });
  }
  deployImage(body: Body<"deployImage">) {
    return this.request("deployImage", {}, { body });
  }
  getDeploymentConfig(name: string) {
    return this.request("getDeploymentConfig", {}, { query: { name } });
  }
  /** Replaces the deployment's env vars; the workload restarts with them. */
  updateDeploymentConfig(name: string, configData: Body<"updateDeploymentConfig">["configData"]) {
    return this.request("updateDeploymentConfig", {}, { body: { deployment_name: name, configData } });
  }
  getDeploymentAutoUpdate(name: string) {
    return this.request("getDeploymentAutoUpdate", {}, { query: { name } });
  }
  setDeploymentAutoUpdate(name: string, settings: Omit<Body<"setDeploymentAutoUpdate">, "deployment_name">) {
    return this.request("setDeploymentAutoUpdate", {}, { body: { ...settings, deployment_name: name } });
  }
  getDeploymentLogs(name: string, query: Omit<Query<"getDeploymentLogs">, "follow"> = {}) {
    return this.request("getDeploymentLogs", { name }, { query });
  }
  /** New log lines as they are written, until the loop breaks or `signal` aborts. */
  async *followDeploymentLogs(
    name: string,
    query: Query<"followDeploymentLogs"> = {},
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<string> {
    const res = await this.send("followDeploymentLogs", { name }, { query, signal: options.signal });
    if (!res.body) return;
    yield* sseData(res.body);
  }
  getDeploymentMetrics(name: string, query: Query<"getDeploymentMetrics"> = {}) {
    return this.request("getDeploymentMetrics", { name }, { query });
  }
  getDeploymentHistory(name: string) {
    return this.request("getDeploymentHistory", { name });
  }
  getDeploymentEvents(name: string) {
    return this.request("getDeploymentEvents", { name });
  }

  // --- agent deployments API (seed 002)
  listAgentDeployments(query: Query<"listAgentDeployments"> = {}) {
    return this.request("listAgentDeployments", {}, { query });
  }
  createAgentDeployment(body: Body<"createAgentDeployment">) {
    return this.request("createAgentDeployment", {}, { body });
  }
  deployAgent(agentId: string, body: Body<"deployAgent"> = {}) {
    return this.request("deployAgent", { agent_id: agentId }, { body });
  }
  getAgentDeployment(deploymentId: string) {
    return this.request("getAgentDeployment", { deployment_id: deploymentId });
  }
  deleteAgentDeployment(deploymentId: string) {
    return this.request("deleteAgentDeployment", { deployment_id: deploymentId });
  }
  listAgentDeploymentEvents(deploymentId: string, query: Query<"listAgentDeploymentEvents"> = {}) {
    return this.request("listAgentDeploymentEvents", { deployment_id: deploymentId }, { query });
  }
  getAgentDeploymentLogs(deploymentId: string, query: Query<"getAgentDeploymentLogs"> = {}) {
    return this.request("getAgentDeploymentLogs", { deployment_id: deploymentId }, { query });
  }
  getAgentDeploymentMetrics(deploymentId: string) {
    return this.request("getAgentDeploymentMetrics", { deployment_id: deploymentId });
  }
  restartAgentDeployment(deploymentId: string) {
    return this.request("restartAgentDeployment", { deployment_id: deploymentId });
  }
  scaleAgentDeployment(deploymentId: string, replicas: number) {
    return this.request("scaleAgentDeployment", { deployment_id: deploymentId }, { body: { replicas } });
  }

  // --- cloud runtime (seeds 000/001)
  listCloudDeployments() {
    return this.request("listCloudDeployments");
  }
  getCloudDeployment(id: string) {
    return this.request("getCloudDeployment", { id });
  }
  getCloudDeploymentManifest(id: string) {
    return this.request("getCloudDeploymentManifest", { id });
  }
  syncCloudDeploymentTemplate(id: string) {
    return this.request("syncCloudDeploymentTemplate", { id }, { body: {} });
  }
  redeployCloudDeployment(id: string, body: Body<"redeployCloudDeployment"> = {}) {
    return this.request("redeployCloudDeployment", { id }, { body });
  }
  pauseCloudDeployment(id: string, body: Body<"pauseCloudDeployment"> = {}) {
    return this.request("pauseCloudDeployment", { id }, { body });
  }
  resumeCloudDeployment(id: string, body: Body<"resumeCloudDeployment"> = {}) {
    return this.request("resumeCloudDeployment", { id }, { body });
  }
  listCloudDeploymentBackups(id: string, query: Query<"listCloudDeploymentBackups"> = {}) {
    return this.request("listCloudDeploymentBackups", { id }, { query });
  }
  createCloudDeploymentBackup(id: string, body: Body<"createCloudDeploymentBackup"> = {}) {
    return this.request("createCloudDeploymentBackup", { id }, { body });
  }
  restoreCloudDeploymentBackup(id: string, body: Body<"restoreCloudDeploymentBackup"> = {}) {
    return this.request("restoreCloudDeploymentBackup", { id }, { body });
  }
  setCloudDeploymentIdleTimeout(id: string, body: Body<"setCloudDeploymentIdleTimeout">) {
    return this.request("setCloudDeploymentIdleTimeout", { id }, { body });
  }
  sendMention(body: Body<"sendMention">) {
    return this.request("sendMention", {}, { body });
  }

  /**
   * Polls a backup until its backup or restore reaches a final phase (`completed`, `failed`,
   * `expired`) and returns the record; a failed one is returned, not thrown.
   */
  async waitForBackup(deploymentId: string, backupId: string, options: WaitOptions = {}): Promise<Backup> {
    const interval = options.intervalMs ?? 500;
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const { backups } = await this.listCloudDeploymentBackups(deploymentId);
      const backup = backups.find((b) => b.id === backupId);
      if (!backup) throw new Error(`backup ${backupId} of deployment ${deploymentId} not found`);
      options.onProgress?.(backup);
      if (FINAL_PHASES.has(backup.phase)) return backup;
      if (Date.now() + interval > deadline)
        throw new Error(`backup ${backupId} still ${backup.phase} after ${options.timeoutMs ?? 600_000} ms`);
      await sleep(interval, options.signal);
    }
  }

  // --- scheduled deployments API (seed 003)
  createScheduledDeployment(body: Body<"createScheduledDeployment">) {
    return this.request("createScheduledDeployment", {}, { body });
  }
  listScheduledDeployments(query: Query<"listScheduledDeployments"> = {}) {
    return this.request("listScheduledDeployments", {}, { query });
  }
  getScheduledDeployment(id: string) {
    return this.request("getScheduledDeployment", { id });
  }
  updateScheduledDeployment(id: string, body: Body<"updateScheduledDeployment">) {
    return this.request("updateScheduledDeployment", { id }, { body });
  }
  deleteScheduledDeployment(id: string) {
    return this.request("deleteScheduledDeployment", { id });
  }
  pauseScheduledDeployment(id: string, body: Body<"pauseScheduledDeployment"> = {}) {
    return this.request("pauseScheduledDeployment", { id }, { body });
  }
  unpauseScheduledDeployment(id: string) {
    return this.request("unpauseScheduledDeployment", { id }, { body: {} });
  }
  archiveScheduledDeployment(id: string) {
    return this.request("archiveScheduledDeployment", { id }, { body: {} });
  }
  runScheduledDeployment(id: string) {
    return this.request("runScheduledDeployment", { id }, { body: {} });
  }
  listScheduledDeploymentRuns(id: string, query: Query<"listScheduledDeploymentRuns"> = {}) {
    return this.request("listScheduledDeploymentRuns", { id }, { query });
  }
  createEnvironment(body: Body<"createEnvironment">) {
    return this.request("createEnvironment", {}, { body });
  }
  listEnvironments(query: Query<"listEnvironments"> = {}) {
    return this.request("listEnvironments", {}, { query });
  }
  getEnvironment(id: string) {
    return this.request("getEnvironment", { id });
  }
  /** Vault secrets are write-only: answers carry their names, never their values. */
  createVault(body: Body<"createVault">) {
    return this.request("createVault", {}, { body });
  }
  listVaults(query: Query<"listVaults"> = {}) {
    return this.request("listVaults", {}, { query });
  }
  getVault(id: string) {
    return this.request("getVault", { id });
  }
}

const FINAL_PHASES = new Set(["completed", "failed", "expired"]);

const isJson = (res: Response) => (res.headers.get("content-type") ?? "").includes("json");

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

export type { Body, JsonObject, OperationName, Query, Result };
