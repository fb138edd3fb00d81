/** berth's built-in templates, backed by the example apps under examples/ and the local image table. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnableConfig } from "./domain/config-spec.js";

export const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "examples");

export const builtinTemplates: { slug: string; name: string; description: string; config: RunnableConfig }[] =
  [
    {
      slug: "hello",
      name: "Hello",
      description: "An HTTP app that answers with its GREETING env var.",
      config: {
        workloads: [
          {
            name: "web",
            kind: "service",
            image: "berth/hello",
            args: [],
            env: {},
            port: 8080,
            healthCheck: { type: "http", path: "/" },
            replicas: 1,
          },
        ],
        envVars: [
          {
            name: "GREETING",
            default: "world",
            required: false,
            secret: false,
            description: "What the app says hello to",
          },
        ],
      },
    },
    {
      slug: "counter-agent",
      name: "Counter agent",
      description: "An agent that keeps a counter on its volume and sends heartbeats to berth.",
      config: {
        workloads: [
          {
            name: "counter",
            kind: "agent",
            image: "berth/counter-agent",
            args: [],
            env: {},
            port: 8080,
            healthCheck: { type: "http", path: "/healthz" },
            volume: { mountPath: "/data", size: "1Gi" },
            replicas: 1,
          },
        ],
        envVars: [
          {
            name: "BERTH_HEARTBEAT_URL",
            required: false,
            secret: false,
            description: "Where to send heartbeats",
          },
          {
            name: "BERTH_AGENT_TOKEN",
            required: false,
            secret: true,
            description: "Bearer token for heartbeats",
          },
        ],
      },
    },
    {
      slug: "nginx",
      name: "nginx",
      description: "The nginx web server (Docker Hub's nginx image; container runtime).",
      config: {
        workloads: [
          {
            name: "web",
            kind: "service",
            image: "nginx:latest",
            args: [],
            env: {},
            port: 80,
            healthCheck: { type: "http", path: "/" },
            replicas: 1,
          },
        ],
        envVars: [],
      },
    },
    {
      slug: "postgres",
      name: "PostgreSQL",
      description:
        "PostgreSQL with its data on the deployment's volume (Docker Hub's postgres image; container runtime).",
      config: {
        workloads: [
          {
            name: "db",
            kind: "service",
            image: "postgres:16",
            args: [],
            env: { PGDATA: "/var/lib/postgresql/data/pgdata" },
            port: 5432,
            healthCheck: { type: "tcp" },
            volume: { mountPath: "/var/lib/postgresql/data", size: "1Gi" },
            replicas: 1,
          },
        ],
        envVars: [
          {
            name: "POSTGRES_PASSWORD",
            required: true,
            secret: true,
            description: "Password of the postgres superuser",
          },
        ],
      },
    },
  ];
