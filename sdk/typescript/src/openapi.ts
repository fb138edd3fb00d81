/** Generated from berth's /openapi.json by `npm run sdk:types`; do not edit. */
export interface paths {
    "/agents/{agent_id}/deploy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deploy an agent (agent-centric create)
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agent_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        environment?: {
                            [key: string]: string;
                        };
                        replicas?: number;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List agents */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agents: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                id: string;
                                lastHeartbeatAt: string | null;
                                name: string;
                                spec: {
                                    /** @default [] */
                                    args: string[];
                                    command?: string;
                                    /** @default {} */
                                    env: {
                                        [key: string]: string;
                                    };
                                    healthCheck?: {
                                        intervalMs?: number;
                                        /** @default / */
                                        path: string;
                                        /** @enum {string} */
                                        type: "http";
                                    } | {
                                        intervalMs?: number;
                                        /** @enum {string} */
                                        type: "tcp";
                                    } | {
                                        /** @enum {string} */
                                        type: "none";
                                    };
                                    image?: string;
                                    /**
                                     * @default service
                                     * @enum {string}
                                     */
                                    kind: "agent" | "service";
                                    name: string;
                                    port?: number;
                                    /** @default 1 */
                                    replicas: number;
                                    resources?: {
                                        cpu?: string;
                                        memory?: string;
                                    };
                                    volume?: {
                                        /** @default /data */
                                        mountPath: string;
                                        /** @default 1Gi */
                                        size: string;
                                    };
                                };
                                /** @enum {string} */
                                status: "idle" | "running" | "stopped";
                                teamId: string;
                                /** @description ISO 8601 */
                                updatedAt: string;
                                version: number;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an agent
         * @description `$(NAME)` in a workload's `args` and `env` is expanded when the process starts, by Kubernetes rules: NAME is one of berth's vars (PORT, HOME, BERTH_VOLUME_DIR, …), a value supplied when deploying, or an earlier `env` entry; an unknown reference stays as written and `$$` is a literal `$`. A supplied value is inserted as is (never expanded again). Strings holding a NUL byte are refused.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        spec: {
                            /** @default [] */
                            args?: string[];
                            command?: string;
                            /** @default {} */
                            env?: {
                                [key: string]: string;
                            };
                            healthCheck?: {
                                intervalMs?: number;
                                /** @default / */
                                path?: string;
                                /** @enum {string} */
                                type: "http";
                            } | {
                                intervalMs?: number;
                                /** @enum {string} */
                                type: "tcp";
                            } | {
                                /** @enum {string} */
                                type: "none";
                            };
                            image?: string;
                            /**
                             * @default service
                             * @enum {string}
                             */
                            kind?: "agent" | "service";
                            name: string;
                            port?: number;
                            /** @default 1 */
                            replicas?: number;
                            resources?: {
                                cpu?: string;
                                memory?: string;
                            };
                            volume?: {
                                /** @default /data */
                                mountPath?: string;
                                /** @default 1Gi */
                                size?: string;
                            };
                        };
                        teamId?: string;
                        version?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            id: string;
                            lastHeartbeatAt: string | null;
                            name: string;
                            spec: {
                                /** @default [] */
                                args: string[];
                                command?: string;
                                /** @default {} */
                                env: {
                                    [key: string]: string;
                                };
                                healthCheck?: {
                                    intervalMs?: number;
                                    /** @default / */
                                    path: string;
                                    /** @enum {string} */
                                    type: "http";
                                } | {
                                    intervalMs?: number;
                                    /** @enum {string} */
                                    type: "tcp";
                                } | {
                                    /** @enum {string} */
                                    type: "none";
                                };
                                image?: string;
                                /**
                                 * @default service
                                 * @enum {string}
                                 */
                                kind: "agent" | "service";
                                name: string;
                                port?: number;
                                /** @default 1 */
                                replicas: number;
                                resources?: {
                                    cpu?: string;
                                    memory?: string;
                                };
                                volume?: {
                                    /** @default /data */
                                    mountPath: string;
                                    /** @default 1Gi */
                                    size: string;
                                };
                            };
                            /** @enum {string} */
                            status: "idle" | "running" | "stopped";
                            teamId: string;
                            /** @description ISO 8601 */
                            updatedAt: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agents/{agentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an agent */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agentId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            id: string;
                            lastHeartbeatAt: string | null;
                            name: string;
                            spec: {
                                /** @default [] */
                                args: string[];
                                command?: string;
                                /** @default {} */
                                env: {
                                    [key: string]: string;
                                };
                                healthCheck?: {
                                    intervalMs?: number;
                                    /** @default / */
                                    path: string;
                                    /** @enum {string} */
                                    type: "http";
                                } | {
                                    intervalMs?: number;
                                    /** @enum {string} */
                                    type: "tcp";
                                } | {
                                    /** @enum {string} */
                                    type: "none";
                                };
                                image?: string;
                                /**
                                 * @default service
                                 * @enum {string}
                                 */
                                kind: "agent" | "service";
                                name: string;
                                port?: number;
                                /** @default 1 */
                                replicas: number;
                                resources?: {
                                    cpu?: string;
                                    memory?: string;
                                };
                                volume?: {
                                    /** @default /data */
                                    mountPath: string;
                                    /** @default 1Gi */
                                    size: string;
                                };
                            };
                            /** @enum {string} */
                            status: "idle" | "running" | "stopped";
                            teamId: string;
                            /** @description ISO 8601 */
                            updatedAt: string;
                            version: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agents/{agentId}/heartbeat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Agent heartbeat or usage snapshot; resumes the agent's paused deployments (fire-and-forget) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    agentId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agentId?: string;
                        at?: string;
                        usage?: {
                            [key: string]: number;
                        };
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agentId: string;
                            /** @enum {boolean} */
                            ok: true;
                            /** @description ids of the paused deployments being resumed */
                            resuming: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List deployments (failed ones are not shown) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployments: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            }[];
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a deployment */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/backups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Backups of the deployment's sandboxes */
        get: {
            parameters: {
                query?: {
                    agentId?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            backups: ({
                                agentId: string;
                                bytesDone: number;
                                checksum: string | null;
                                createdAt: string;
                                deploymentId: string;
                                driver: string;
                                encrypted: boolean;
                                error: string | null;
                                expiresAt: string | null;
                                id: string;
                                keyId: string | null;
                                namespace: string;
                                objectKey: string | null;
                                phase: string;
                                pvcName: string;
                                restoreStatus: string | null;
                                sandboxName: string;
                                snapshotName: string | null;
                                status: string;
                                totalBytes: number;
                                updatedAt: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                            deploymentId: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Back up a sandbox's volume (asynchronous: follow `phase`) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agentId?: string;
                        driver?: string;
                        retentionDays?: number;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            backup: {
                                agentId: string;
                                bytesDone: number;
                                checksum: string | null;
                                createdAt: string;
                                deploymentId: string;
                                driver: string;
                                encrypted: boolean;
                                error: string | null;
                                expiresAt: string | null;
                                id: string;
                                keyId: string | null;
                                namespace: string;
                                objectKey: string | null;
                                phase: string;
                                pvcName: string;
                                restoreStatus: string | null;
                                sandboxName: string;
                                snapshotName: string | null;
                                status: string;
                                totalBytes: number;
                                updatedAt: string;
                            } & {
                                [key: string]: unknown;
                            };
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/idle-timeout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Pause automatically after this long without requests, heartbeats or mentions (null: never) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        idleTimeoutMs: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            idleTimeoutMs: number | null;
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/manifest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Linked template, manifest revision, config hash and drift */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            configHash: string;
                            deploymentId: string;
                            /** @enum {string} */
                            drift: "up-to-date" | "template-updated" | "missing-template" | "unlinked" | "unknown";
                            manifestRevision: number;
                            /** @enum {boolean} */
                            ok: true;
                            template: {
                                kind: string;
                                revision: number | null;
                                slug: string;
                                status: string;
                            } | null;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a sandbox (scale to 0, keep its volume) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agentId?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            /** @enum {boolean} */
                            ok: true;
                            /** @enum {string} */
                            status: "paused";
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/redeploy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redeploy from the snapshot, the template, another template or an explicit config
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output. `$(NAME)` in a workload's `args` and `env` is expanded when the process starts, by Kubernetes rules: NAME is one of berth's vars (PORT, HOME, BERTH_VOLUME_DIR, …), a value supplied when deploying, or an earlier `env` entry; an unknown reference stays as written and `$$` is a literal `$`. A supplied value is inserted as is (never expanded again). Strings holding a NUL byte are refused.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        configSnapshot?: {
                            /** @default [] */
                            envVars?: {
                                default?: string;
                                description?: string;
                                name: string;
                                /** @default false */
                                required?: boolean;
                                /** @default false */
                                secret?: boolean;
                            }[];
                            workloads: {
                                /** @default [] */
                                args?: string[];
                                command?: string;
                                /** @default {} */
                                env?: {
                                    [key: string]: string;
                                };
                                healthCheck?: {
                                    intervalMs?: number;
                                    /** @default / */
                                    path?: string;
                                    /** @enum {string} */
                                    type: "http";
                                } | {
                                    intervalMs?: number;
                                    /** @enum {string} */
                                    type: "tcp";
                                } | {
                                    /** @enum {string} */
                                    type: "none";
                                };
                                image?: string;
                                /**
                                 * @default service
                                 * @enum {string}
                                 */
                                kind?: "agent" | "service";
                                name: string;
                                port?: number;
                                /** @default 1 */
                                replicas?: number;
                                resources?: {
                                    cpu?: string;
                                    memory?: string;
                                };
                                volume?: {
                                    /** @default /data */
                                    mountPath?: string;
                                    /** @default 1Gi */
                                    size?: string;
                                };
                            }[];
                        };
                        envVars?: {
                            [key: string]: string;
                        };
                        /** @enum {string} */
                        mode?: "snapshot" | "template";
                        templateSlug?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            /** @enum {boolean} */
                            ok: true;
                            previousDeploymentId: string;
                            /** @enum {string} */
                            status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restore a sandbox's volume from a backup (asynchronous: follow the backup's `phase`) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agentId?: string;
                        backupId?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            backup: {
                                agentId: string;
                                bytesDone: number;
                                checksum: string | null;
                                createdAt: string;
                                deploymentId: string;
                                driver: string;
                                encrypted: boolean;
                                error: string | null;
                                expiresAt: string | null;
                                id: string;
                                keyId: string | null;
                                namespace: string;
                                objectKey: string | null;
                                phase: string;
                                pvcName: string;
                                restoreStatus: string | null;
                                sandboxName: string;
                                snapshotName: string | null;
                                status: string;
                                totalBytes: number;
                                updatedAt: string;
                            } & {
                                [key: string]: unknown;
                            };
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            /** @enum {boolean} */
                            ok: true;
                            /** @enum {string} */
                            status: "resuming";
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused sandbox on its volume */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agentId?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            /** @enum {boolean} */
                            ok: true;
                            /** @enum {string} */
                            status: "deployed";
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/deployments/{id}/template": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Save the deployed config as an editable template (in place or forked) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: {
                                agents: {
                                    agentId: string;
                                    kind: string;
                                }[];
                                configHash: string;
                                createdAt: string;
                                endedAt: string | null;
                                id: string;
                                ingresses: {
                                    host: string;
                                    id: string;
                                    name: string;
                                    url: string;
                                }[];
                                isCurrent: boolean;
                                manifestRevision: number;
                                name: string;
                                namespace: string;
                                replicas: number;
                                source: {
                                    agentId: string | null;
                                    image: string | null;
                                    templateRevision: number | null;
                                    templateSlug: string | null;
                                    type: string;
                                };
                                /** @enum {string} */
                                status: "pending" | "deploying" | "deployed" | "paused" | "resuming" | "failed" | "destroyed";
                                statusReason: string | null;
                                teamId: string;
                                updatedAt: string;
                                visibility: string;
                            };
                            /** @enum {string} */
                            mode: "updated" | "forked" | "created";
                            /** @enum {boolean} */
                            ok: true;
                            revision: number;
                            template: {
                                kind: string;
                                latestRevision: number;
                                slug: string;
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            /** @enum {boolean} */
                            ok: false;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/cloud-saas/mentions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A mention of an agent: resumes its paused deployments (fire-and-forget) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agentId: string;
                        channelId?: string;
                        message?: string;
                        threadId?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agentId: string;
                            /** @enum {boolean} */
                            ok: true;
                            resuming: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List deployments */
        get: {
            parameters: {
                query?: {
                    team_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            canDelete: boolean;
                            createdAt: string;
                            deploymentReady: boolean;
                            /** @description canonical deployment id (UUIDv7) */
                            id: string;
                            image: string | null;
                            ingresses: {
                                host: string;
                                id: string;
                                name: string;
                                url: string;
                            }[];
                            lastError?: string;
                            name: string;
                            /** @enum {string} */
                            status: "Pending" | "Provisioning" | "Ready" | "Error" | "Deleting";
                            teamId: string;
                            template: string | null;
                            updatedAt: string;
                            /** @enum {string} */
                            visibility: "public" | "internal";
                        }[];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a deployment from a template
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        envVars?: {
                            [key: string]: string;
                        };
                        name?: string;
                        teamId?: string;
                        template: string;
                        /** @enum {string} */
                        visibility?: "public" | "internal";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            canDelete: boolean;
                            createdAt: string;
                            deploymentReady: boolean;
                            /** @description canonical deployment id (UUIDv7) */
                            id: string;
                            image: string | null;
                            ingresses: {
                                host: string;
                                id: string;
                                name: string;
                                url: string;
                            }[];
                            lastError?: string;
                            name: string;
                            /** @enum {string} */
                            status: "Pending" | "Provisioning" | "Ready" | "Error" | "Deleting";
                            teamId: string;
                            template: string | null;
                            updatedAt: string;
                            /** @enum {string} */
                            visibility: "public" | "internal";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/{name}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Kubernetes-style runtime events */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: {
                                count: number;
                                firstTimestamp: string;
                                involvedObject: {
                                    kind: string;
                                    name: string;
                                };
                                lastTimestamp: string;
                                message: string;
                                reason: string;
                                /** @enum {string} */
                                type: "Normal" | "Warning";
                            }[];
                            id: string;
                            name: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Revision history */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            revisions: {
                                actor: string | null;
                                configHash: string;
                                createdAt: string;
                                message: string;
                                reason: ("create" | "config" | "restart" | "redeploy" | "auto-update" | "rollback") | string;
                                revision: number;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/{name}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Container logs (follow=true streams plain text) */
        get: {
            parameters: {
                query?: {
                    follow?: "0" | "1" | "true" | "false";
                    service?: string;
                    tail?: number;
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            logs: string;
                            name: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/{name}/logs/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Log stream (Server-Sent Events) */
        get: {
            parameters: {
                query?: {
                    service?: string;
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description `data: <line>` events, one per log line, and a `: keep-alive` comment every 15 s */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/{name}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** CPU and memory */
        get: {
            parameters: {
                query?: {
                    service?: string;
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            cpuUsage: string;
                            id: string;
                            memoryUsage: string;
                            name: string;
                            timestamp: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/auto-update": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Auto-update settings */
        get: {
            parameters: {
                query: {
                    name: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            enabled: boolean;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            strategy: "rolling" | "recreate";
                        };
                    };
                };
            };
        };
        /** Configure auto-update */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        deployment_name: string;
                        enabled: boolean;
                        /** @enum {string} */
                        strategy?: "rolling" | "recreate";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            enabled: boolean;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            strategy: "rolling" | "recreate";
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Env vars of a deployment (secret values masked) */
        get: {
            parameters: {
                query: {
                    name: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            configData: {
                                [key: string]: string;
                            };
                            id: string;
                            name: string;
                        };
                    };
                };
            };
        };
        /**
         * Replace env vars and restart
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        configData: {
                            [key: string]: string;
                        };
                        deployment_name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            configData: {
                                [key: string]: string;
                            };
                            id: string;
                            name: string;
                            /** @enum {boolean} */
                            success: true;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/delete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Delete a deployment (form posts are redirected) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        deployment_name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            message: string;
                            name: string;
                            /** @enum {boolean} */
                            success: true;
                        };
                    };
                };
                /** @description Default Response */
                303: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/deploy-image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deploy a raw container image
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        containerPort?: number;
                        envVars?: {
                            [key: string]: string;
                        };
                        image: string;
                        name?: string;
                        teamId?: string;
                        /** @enum {string} */
                        visibility?: "public" | "internal";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            canDelete: boolean;
                            createdAt: string;
                            deploymentReady: boolean;
                            /** @description canonical deployment id (UUIDv7) */
                            id: string;
                            image: string | null;
                            ingresses: {
                                host: string;
                                id: string;
                                name: string;
                                url: string;
                            }[];
                            lastError?: string;
                            name: string;
                            /** @enum {string} */
                            status: "Pending" | "Provisioning" | "Ready" | "Error" | "Deleting";
                            teamId: string;
                            template: string | null;
                            updatedAt: string;
                            /** @enum {string} */
                            visibility: "public" | "internal";
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restart every process of a deployment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        deployment_name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            message: string;
                            name: string;
                            /** @enum {boolean} */
                            success: true;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deployments/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Deployment status */
        get: {
            parameters: {
                query: {
                    name: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowDelete: boolean;
                            /** @description whether the team may request another deployment now (tier limit) */
                            allowRequest: boolean;
                            deploymentReady: boolean;
                            id: string;
                            ingresses: {
                                host: string;
                                id: string;
                                name: string;
                                url: string;
                            }[];
                            name: string;
                            /** @enum {string} */
                            status: "Pending" | "Provisioning" | "Ready" | "Error" | "Deleting";
                            statusMessage?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code?: string;
                            error: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys (never their values) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keys: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                /** @description first 12 hex digits of the key's SHA-256, to tell keys apart */
                                fingerprint: string;
                                id: string;
                                name: string;
                                scopes: ("deployments:read" | "deployments:write" | "templates:read" | "templates:write" | "agents:write" | "admin")[];
                                teamId: string | null;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create an API key (returned once) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        scopes: ("deployments:read" | "deployments:write" | "templates:read" | "templates:write" | "agents:write" | "admin")[];
                        teamId?: string;
                        userId?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            /** @description first 12 hex digits of the key's SHA-256, to tell keys apart */
                            fingerprint: string;
                            id: string;
                            /** @description the key itself, shown only once */
                            key: string;
                            name: string;
                            scopes: ("deployments:read" | "deployments:write" | "templates:read" | "templates:write" | "agents:write" | "admin")[];
                            teamId: string | null;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No Content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keyId: string;
                            scopes: ("deployments:read" | "deployments:write" | "templates:read" | "templates:write" | "agents:write" | "admin")[];
                            team: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                /** @description live deployments allowed; null is unlimited */
                                deploymentLimit: number | null;
                                id: string;
                                name: string;
                                /** @enum {string} */
                                tier: "free" | "business" | "enterprise";
                                /** @description ISO 8601 */
                                updatedAt: string;
                            } | null;
                            teamId: string | null;
                            userId: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/registry-credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the team's container registry logins (never their passwords) */
        get: {
            parameters: {
                query?: {
                    /** @description the team (admin keys without a team) */
                    teamId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            credentials: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                /** @description host[:port]; docker.io for Docker Hub */
                                registry: string;
                                /** @description ISO 8601 */
                                updatedAt: string;
                                username: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/registry-credentials/{registry}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get the team's login to a container registry (without its password) */
        get: {
            parameters: {
                query?: {
                    /** @description the team (admin keys without a team) */
                    teamId?: string;
                };
                header?: never;
                path: {
                    /** @description host[:port] of the registry, e.g. ghcr.io or registry.example.com:5000 */
                    registry: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            /** @description host[:port]; docker.io for Docker Hub */
                            registry: string;
                            /** @description ISO 8601 */
                            updatedAt: string;
                            username: string;
                        };
                    };
                };
            };
        };
        /** Store the team's login to a container registry (the password is sealed and never returned) */
        put: {
            parameters: {
                query?: {
                    /** @description the team (admin keys without a team) */
                    teamId?: string;
                };
                header?: never;
                path: {
                    /** @description host[:port] of the registry, e.g. ghcr.io or registry.example.com:5000 */
                    registry: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        password: string;
                        username: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            /** @description host[:port]; docker.io for Docker Hub */
                            registry: string;
                            /** @description ISO 8601 */
                            updatedAt: string;
                            username: string;
                        };
                    };
                };
            };
        };
        post?: never;
        /** Delete the team's login to a container registry */
        delete: {
            parameters: {
                query?: {
                    /** @description the team (admin keys without a team) */
                    teamId?: string;
                };
                header?: never;
                path: {
                    /** @description host[:port] of the registry, e.g. ghcr.io or registry.example.com:5000 */
                    registry: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No Content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/teams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List teams */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            teams: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                /** @description live deployments allowed; null is unlimited */
                                deploymentLimit: number | null;
                                id: string;
                                name: string;
                                /** @enum {string} */
                                tier: "free" | "business" | "enterprise";
                                /** @description ISO 8601 */
                                updatedAt: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create a team (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /**
                         * @default free
                         * @enum {string}
                         */
                        tier?: "free" | "business" | "enterprise";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            /** @description live deployments allowed; null is unlimited */
                            deploymentLimit: number | null;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            tier: "free" | "business" | "enterprise";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/teams/{teamId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a team */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    teamId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            /** @description live deployments allowed; null is unlimited */
                            deploymentLimit: number | null;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            tier: "free" | "business" | "enterprise";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change a team's tier (admin) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    teamId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        tier: "free" | "business" | "enterprise";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            /** @description live deployments allowed; null is unlimited */
                            deploymentLimit: number | null;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            tier: "free" | "business" | "enterprise";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/teams/{teamId}/billing-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Billing events of a team, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    teamId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                data: {
                                    [key: string]: unknown;
                                };
                                deploymentId: string | null;
                                id: string;
                                type: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List templates */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            templates: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                description: string;
                                forkedFrom: string | null;
                                /** @enum {string} */
                                kind: "official" | "community";
                                latestRevision: number;
                                name: string;
                                ownerTeamId: string | null;
                                slug: string;
                                /** @enum {string} */
                                status: "draft" | "pending" | "approved" | "rejected";
                                /** @description ISO 8601 */
                                updatedAt: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a template (revision 1)
         * @description `$(NAME)` in a workload's `args` and `env` is expanded when the process starts, by Kubernetes rules: NAME is one of berth's vars (PORT, HOME, BERTH_VOLUME_DIR, …), a value supplied when deploying, or an earlier `env` entry; an unknown reference stays as written and `$$` is a literal `$`. A supplied value is inserted as is (never expanded again). Strings holding a NUL byte are refused.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        config: {
                            /** @default [] */
                            envVars?: {
                                default?: string;
                                description?: string;
                                name: string;
                                /** @default false */
                                required?: boolean;
                                /** @default false */
                                secret?: boolean;
                            }[];
                            workloads: {
                                /** @default [] */
                                args?: string[];
                                command?: string;
                                /** @default {} */
                                env?: {
                                    [key: string]: string;
                                };
                                healthCheck?: {
                                    intervalMs?: number;
                                    /** @default / */
                                    path?: string;
                                    /** @enum {string} */
                                    type: "http";
                                } | {
                                    intervalMs?: number;
                                    /** @enum {string} */
                                    type: "tcp";
                                } | {
                                    /** @enum {string} */
                                    type: "none";
                                };
                                image?: string;
                                /**
                                 * @default service
                                 * @enum {string}
                                 */
                                kind?: "agent" | "service";
                                name: string;
                                port?: number;
                                /** @default 1 */
                                replicas?: number;
                                resources?: {
                                    cpu?: string;
                                    memory?: string;
                                };
                                volume?: {
                                    /** @default /data */
                                    mountPath?: string;
                                    /** @default 1Gi */
                                    size?: string;
                                };
                            }[];
                        };
                        description?: string;
                        /** @enum {string} */
                        kind?: "official" | "community";
                        name?: string;
                        slug: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            description: string;
                            forkedFrom: string | null;
                            /** @enum {string} */
                            kind: "official" | "community";
                            latestRevision: number;
                            name: string;
                            ownerTeamId: string | null;
                            revisions: {
                                config: {
                                    /** @default [] */
                                    envVars: {
                                        default?: string;
                                        description?: string;
                                        name: string;
                                        /** @default false */
                                        required: boolean;
                                        /** @default false */
                                        secret: boolean;
                                    }[];
                                    workloads: {
                                        /** @default [] */
                                        args: string[];
                                        command?: string;
                                        /** @default {} */
                                        env: {
                                            [key: string]: string;
                                        };
                                        healthCheck?: {
                                            intervalMs?: number;
                                            /** @default / */
                                            path: string;
                                            /** @enum {string} */
                                            type: "http";
                                        } | {
                                            intervalMs?: number;
                                            /** @enum {string} */
                                            type: "tcp";
                                        } | {
                                            /** @enum {string} */
                                            type: "none";
                                        };
                                        image?: string;
                                        /**
                                         * @default service
                                         * @enum {string}
                                         */
                                        kind: "agent" | "service";
                                        name: string;
                                        port?: number;
                                        /** @default 1 */
                                        replicas: number;
                                        resources?: {
                                            cpu?: string;
                                            memory?: string;
                                        };
                                        volume?: {
                                            /** @default /data */
                                            mountPath: string;
                                            /** @default 1Gi */
                                            size: string;
                                        };
                                    }[];
                                };
                                configHash: string;
                                /** @description ISO 8601 */
                                createdAt: string;
                                revision: number;
                            }[];
                            slug: string;
                            /** @enum {string} */
                            status: "draft" | "pending" | "approved" | "rejected";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/templates/{slug}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a template with its revisions */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    slug: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            description: string;
                            forkedFrom: string | null;
                            /** @enum {string} */
                            kind: "official" | "community";
                            latestRevision: number;
                            name: string;
                            ownerTeamId: string | null;
                            revisions: {
                                config: {
                                    /** @default [] */
                                    envVars: {
                                        default?: string;
                                        description?: string;
                                        name: string;
                                        /** @default false */
                                        required: boolean;
                                        /** @default false */
                                        secret: boolean;
                                    }[];
                                    workloads: {
                                        /** @default [] */
                                        args: string[];
                                        command?: string;
                                        /** @default {} */
                                        env: {
                                            [key: string]: string;
                                        };
                                        healthCheck?: {
                                            intervalMs?: number;
                                            /** @default / */
                                            path: string;
                                            /** @enum {string} */
                                            type: "http";
                                        } | {
                                            intervalMs?: number;
                                            /** @enum {string} */
                                            type: "tcp";
                                        } | {
                                            /** @enum {string} */
                                            type: "none";
                                        };
                                        image?: string;
                                        /**
                                         * @default service
                                         * @enum {string}
                                         */
                                        kind: "agent" | "service";
                                        name: string;
                                        port?: number;
                                        /** @default 1 */
                                        replicas: number;
                                        resources?: {
                                            cpu?: string;
                                            memory?: string;
                                        };
                                        volume?: {
                                            /** @default /data */
                                            mountPath: string;
                                            /** @default 1Gi */
                                            size: string;
                                        };
                                    }[];
                                };
                                configHash: string;
                                /** @description ISO 8601 */
                                createdAt: string;
                                revision: number;
                            }[];
                            slug: string;
                            /** @enum {string} */
                            status: "draft" | "pending" | "approved" | "rejected";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a template (its deployments keep running) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    slug: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No Content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/templates/{slug}/revisions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add an immutable revision
         * @description `$(NAME)` in a workload's `args` and `env` is expanded when the process starts, by Kubernetes rules: NAME is one of berth's vars (PORT, HOME, BERTH_VOLUME_DIR, …), a value supplied when deploying, or an earlier `env` entry; an unknown reference stays as written and `$$` is a literal `$`. A supplied value is inserted as is (never expanded again). Strings holding a NUL byte are refused.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    slug: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        config: {
                            /** @default [] */
                            envVars?: {
                                default?: string;
                                description?: string;
                                name: string;
                                /** @default false */
                                required?: boolean;
                                /** @default false */
                                secret?: boolean;
                            }[];
                            workloads: {
                                /** @default [] */
                                args?: string[];
                                command?: string;
                                /** @default {} */
                                env?: {
                                    [key: string]: string;
                                };
                                healthCheck?: {
                                    intervalMs?: number;
                                    /** @default / */
                                    path?: string;
                                    /** @enum {string} */
                                    type: "http";
                                } | {
                                    intervalMs?: number;
                                    /** @enum {string} */
                                    type: "tcp";
                                } | {
                                    /** @enum {string} */
                                    type: "none";
                                };
                                image?: string;
                                /**
                                 * @default service
                                 * @enum {string}
                                 */
                                kind?: "agent" | "service";
                                name: string;
                                port?: number;
                                /** @default 1 */
                                replicas?: number;
                                resources?: {
                                    cpu?: string;
                                    memory?: string;
                                };
                                volume?: {
                                    /** @default /data */
                                    mountPath?: string;
                                    /** @default 1Gi */
                                    size?: string;
                                };
                            }[];
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            description: string;
                            forkedFrom: string | null;
                            /** @enum {string} */
                            kind: "official" | "community";
                            latestRevision: number;
                            name: string;
                            ownerTeamId: string | null;
                            revision: number;
                            slug: string;
                            /** @enum {string} */
                            status: "draft" | "pending" | "approved" | "rejected";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/templates/{slug}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Change review status (submit: owner; approve/reject: admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    slug: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "draft" | "pending" | "approved" | "rejected";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            description: string;
                            forkedFrom: string | null;
                            /** @enum {string} */
                            kind: "official" | "community";
                            latestRevision: number;
                            name: string;
                            ownerTeamId: string | null;
                            slug: string;
                            /** @enum {string} */
                            status: "draft" | "pending" | "approved" | "rejected";
                            /** @description ISO 8601 */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            users: {
                                /** @description ISO 8601 */
                                createdAt: string;
                                email: string;
                                id: string;
                                name: string;
                                teams: {
                                    role: string;
                                    teamId: string;
                                }[];
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create a user (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        name: string;
                        /**
                         * @default member
                         * @enum {string}
                         */
                        role?: "owner" | "member";
                        teamId?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ISO 8601 */
                            createdAt: string;
                            email: string;
                            id: string;
                            name: string;
                            teams: {
                                role: string;
                                teamId: string;
                            }[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List scheduled deployments, newest first */
        get: {
            parameters: {
                query?: {
                    after_id?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                agent: {
                                    id: string;
                                    /** @enum {string} */
                                    type: "agent";
                                    version: number;
                                };
                                /** @description ISO 8601, second precision */
                                archived_at: string | null;
                                /** @description ISO 8601, second precision */
                                created_at: string;
                                description: string;
                                environment_id: string;
                                id: string;
                                initial_events: unknown[];
                                metadata: {
                                    cas_config: {
                                        config: {
                                            max_concurrent: number;
                                            max_retries: number;
                                            timeout_ms: number;
                                        };
                                        /** @enum {string} */
                                        session_strategy: "new_session" | "reuse_session";
                                        stats: {
                                            consecutive_failures: number;
                                            /** @description ISO 8601, second precision */
                                            last_triggered_at: string | null;
                                            /** @description ISO 8601, second precision */
                                            next_trigger_at: string | null;
                                            total_failures: number;
                                            total_runs: number;
                                        };
                                    };
                                } & {
                                    [key: string]: unknown;
                                };
                                name: string;
                                paused_reason: string | null;
                                resources: unknown[];
                                schedule: {
                                    expression: string;
                                    /** @description ISO 8601, second precision */
                                    last_run_at: string | null;
                                    timezone: string;
                                    /** @enum {string} */
                                    type: "cron";
                                    upcoming_runs_at: string[];
                                };
                                /** @enum {string} */
                                status: "active" | "paused";
                                /** @enum {string} */
                                type: "deployment";
                                /** @description ISO 8601, second precision */
                                updated_at: string;
                                vault_ids: string[];
                            }[];
                            first_id: string | null;
                            has_more: boolean;
                            last_id: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create a scheduled deployment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agent: string | {
                            id: string;
                            /** @enum {string} */
                            type?: "agent";
                            version?: number;
                        };
                        description?: string;
                        environment_id: string;
                        initial_events?: {
                            [key: string]: unknown;
                        }[];
                        metadata?: {
                            cas_config?: {
                                config?: {
                                    max_concurrent?: number;
                                    max_retries?: number;
                                    pause_after_failures?: number;
                                    timeout_ms?: number;
                                };
                                /** @enum {string} */
                                session_strategy?: "new_session" | "reuse_session";
                            };
                        } & {
                            [key: string]: unknown;
                        };
                        name: string;
                        resources?: unknown[];
                        schedule: {
                            expression: string;
                            /** @default UTC */
                            timezone?: string;
                            /** @enum {string} */
                            type: "cron";
                        };
                        vault_ids?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent: {
                                id: string;
                                /** @enum {string} */
                                type: "agent";
                                version: number;
                            };
                            /** @description ISO 8601, second precision */
                            archived_at: string | null;
                            /** @description ISO 8601, second precision */
                            created_at: string;
                            description: string;
                            environment_id: string;
                            id: string;
                            initial_events: unknown[];
                            metadata: {
                                cas_config: {
                                    config: {
                                        max_concurrent: number;
                                        max_retries: number;
                                        timeout_ms: number;
                                    };
                                    /** @enum {string} */
                                    session_strategy: "new_session" | "reuse_session";
                                    stats: {
                                        consecutive_failures: number;
                                        /** @description ISO 8601, second precision */
                                        last_triggered_at: string | null;
                                        /** @description ISO 8601, second precision */
                                        next_trigger_at: string | null;
                                        total_failures: number;
                                        total_runs: number;
                                    };
                                };
                            } & {
                                [key: string]: unknown;
                            };
                            name: string;
                            paused_reason: string | null;
                            resources: unknown[];
                            schedule: {
                                expression: string;
                                /** @description ISO 8601, second precision */
                                last_run_at: string | null;
                                timezone: string;
                                /** @enum {string} */
                                type: "cron";
                                upcoming_runs_at: string[];
                            };
                            /** @enum {string} */
                            status: "active" | "paused";
                            /** @enum {string} */
                            type: "deployment";
                            /** @description ISO 8601, second precision */
                            updated_at: string;
                            vault_ids: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a scheduled deployment */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent: {
                                id: string;
                                /** @enum {string} */
                                type: "agent";
                                version: number;
                            };
                            /** @description ISO 8601, second precision */
                            archived_at: string | null;
                            /** @description ISO 8601, second precision */
                            created_at: string;
                            description: string;
                            environment_id: string;
                            id: string;
                            initial_events: unknown[];
                            metadata: {
                                cas_config: {
                                    config: {
                                        max_concurrent: number;
                                        max_retries: number;
                                        timeout_ms: number;
                                    };
                                    /** @enum {string} */
                                    session_strategy: "new_session" | "reuse_session";
                                    stats: {
                                        consecutive_failures: number;
                                        /** @description ISO 8601, second precision */
                                        last_triggered_at: string | null;
                                        /** @description ISO 8601, second precision */
                                        next_trigger_at: string | null;
                                        total_failures: number;
                                        total_runs: number;
                                    };
                                };
                            } & {
                                [key: string]: unknown;
                            };
                            name: string;
                            paused_reason: string | null;
                            resources: unknown[];
                            schedule: {
                                expression: string;
                                /** @description ISO 8601, second precision */
                                last_run_at: string | null;
                                timezone: string;
                                /** @enum {string} */
                                type: "cron";
                                upcoming_runs_at: string[];
                            };
                            /** @enum {string} */
                            status: "active" | "paused";
                            /** @enum {string} */
                            type: "deployment";
                            /** @description ISO 8601, second precision */
                            updated_at: string;
                            vault_ids: string[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Update a scheduled deployment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        description?: string;
                        environment_id?: string;
                        initial_events?: {
                            [key: string]: unknown;
                        }[];
                        metadata?: {
                            cas_config?: {
                                config?: {
                                    max_concurrent?: number;
                                    max_retries?: number;
                                    pause_after_failures?: number;
                                    timeout_ms?: number;
                                };
                                /** @enum {string} */
                                session_strategy?: "new_session" | "reuse_session";
                            };
                        } & {
                            [key: string]: unknown;
                        };
                        name?: string;
                        resources?: unknown[];
                        schedule?: {
                            expression?: string;
                            /** @default UTC */
                            timezone?: string;
                            /** @enum {string} */
                            type?: "cron";
                        };
                        vault_ids?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent: {
                                id: string;
                                /** @enum {string} */
                                type: "agent";
                                version: number;
                            };
                            /** @description ISO 8601, second precision */
                            archived_at: string | null;
                            /** @description ISO 8601, second precision */
                            created_at: string;
                            description: string;
                            environment_id: string;
                            id: string;
                            initial_events: unknown[];
                            metadata: {
                                cas_config: {
                                    config: {
                                        max_concurrent: number;
                                        max_retries: number;
                                        timeout_ms: number;
                                    };
                                    /** @enum {string} */
                                    session_strategy: "new_session" | "reuse_session";
                                    stats: {
                                        consecutive_failures: number;
                                        /** @description ISO 8601, second precision */
                                        last_triggered_at: string | null;
                                        /** @description ISO 8601, second precision */
                                        next_trigger_at: string | null;
                                        total_failures: number;
                                        total_runs: number;
                                    };
                                };
                            } & {
                                [key: string]: unknown;
                            };
                            name: string;
                            paused_reason: string | null;
                            resources: unknown[];
                            schedule: {
                                expression: string;
                                /** @description ISO 8601, second precision */
                                last_run_at: string | null;
                                timezone: string;
                                /** @enum {string} */
                                type: "cron";
                                upcoming_runs_at: string[];
                            };
                            /** @enum {string} */
                            status: "active" | "paused";
                            /** @enum {string} */
                            type: "deployment";
                            /** @description ISO 8601, second precision */
                            updated_at: string;
                            vault_ids: string[];
                        };
                    };
                };
            };
        };
        /** Delete a scheduled deployment */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            type: "deployment_deleted";
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments/{id}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Archive: never fires again */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent: {
                                id: string;
                                /** @enum {string} */
                                type: "agent";
                                version: number;
                            };
                            /** @description ISO 8601, second precision */
                            archived_at: string | null;
                            /** @description ISO 8601, second precision */
                            created_at: string;
                            description: string;
                            environment_id: string;
                            id: string;
                            initial_events: unknown[];
                            metadata: {
                                cas_config: {
                                    config: {
                                        max_concurrent: number;
                                        max_retries: number;
                                        timeout_ms: number;
                                    };
                                    /** @enum {string} */
                                    session_strategy: "new_session" | "reuse_session";
                                    stats: {
                                        consecutive_failures: number;
                                        /** @description ISO 8601, second precision */
                                        last_triggered_at: string | null;
                                        /** @description ISO 8601, second precision */
                                        next_trigger_at: string | null;
                                        total_failures: number;
                                        total_runs: number;
                                    };
                                };
                            } & {
                                [key: string]: unknown;
                            };
                            name: string;
                            paused_reason: string | null;
                            resources: unknown[];
                            schedule: {
                                expression: string;
                                /** @description ISO 8601, second precision */
                                last_run_at: string | null;
                                timezone: string;
                                /** @enum {string} */
                                type: "cron";
                                upcoming_runs_at: string[];
                            };
                            /** @enum {string} */
                            status: "active" | "paused";
                            /** @enum {string} */
                            type: "deployment";
                            /** @description ISO 8601, second precision */
                            updated_at: string;
                            vault_ids: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent: {
                                id: string;
                                /** @enum {string} */
                                type: "agent";
                                version: number;
                            };
                            /** @description ISO 8601, second precision */
                            archived_at: string | null;
                            /** @description ISO 8601, second precision */
                            created_at: string;
                            description: string;
                            environment_id: string;
                            id: string;
                            initial_events: unknown[];
                            metadata: {
                                cas_config: {
                                    config: {
                                        max_concurrent: number;
                                        max_retries: number;
                                        timeout_ms: number;
                                    };
                                    /** @enum {string} */
                                    session_strategy: "new_session" | "reuse_session";
                                    stats: {
                                        consecutive_failures: number;
                                        /** @description ISO 8601, second precision */
                                        last_triggered_at: string | null;
                                        /** @description ISO 8601, second precision */
                                        next_trigger_at: string | null;
                                        total_failures: number;
                                        total_runs: number;
                                    };
                                };
                            } & {
                                [key: string]: unknown;
                            };
                            name: string;
                            paused_reason: string | null;
                            resources: unknown[];
                            schedule: {
                                expression: string;
                                /** @description ISO 8601, second precision */
                                last_run_at: string | null;
                                timezone: string;
                                /** @enum {string} */
                                type: "cron";
                                upcoming_runs_at: string[];
                            };
                            /** @enum {string} */
                            status: "active" | "paused";
                            /** @enum {string} */
                            type: "deployment";
                            /** @description ISO 8601, second precision */
                            updated_at: string;
                            vault_ids: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments/{id}/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Trigger a run now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempt: number;
                            created_at: string;
                            deployment_id: string;
                            duration_ms: number | null;
                            ended_at: string | null;
                            error: string | null;
                            exit_code: number | null;
                            id: string;
                            /** @description last 4000 characters, vault values masked */
                            output: string | null;
                            scheduled_for: string;
                            session_id: string | null;
                            started_at: string | null;
                            /** @enum {string} */
                            status: "pending" | "running" | "completed" | "failed" | "skipped";
                            /** @enum {string} */
                            trigger: "cron" | "manual";
                            /** @enum {string} */
                            type: "deployment_run";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Run history, newest first */
        get: {
            parameters: {
                query?: {
                    after_id?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                attempt: number;
                                created_at: string;
                                deployment_id: string;
                                duration_ms: number | null;
                                ended_at: string | null;
                                error: string | null;
                                exit_code: number | null;
                                id: string;
                                /** @description last 4000 characters, vault values masked */
                                output: string | null;
                                scheduled_for: string;
                                session_id: string | null;
                                started_at: string | null;
                                /** @enum {string} */
                                status: "pending" | "running" | "completed" | "failed" | "skipped";
                                /** @enum {string} */
                                trigger: "cron" | "manual";
                                /** @enum {string} */
                                type: "deployment_run";
                            }[];
                            first_id: string | null;
                            has_more: boolean;
                            last_id: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/deployments/{id}/unpause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Unpause (409 conflict_error when not paused) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent: {
                                id: string;
                                /** @enum {string} */
                                type: "agent";
                                version: number;
                            };
                            /** @description ISO 8601, second precision */
                            archived_at: string | null;
                            /** @description ISO 8601, second precision */
                            created_at: string;
                            description: string;
                            environment_id: string;
                            id: string;
                            initial_events: unknown[];
                            metadata: {
                                cas_config: {
                                    config: {
                                        max_concurrent: number;
                                        max_retries: number;
                                        timeout_ms: number;
                                    };
                                    /** @enum {string} */
                                    session_strategy: "new_session" | "reuse_session";
                                    stats: {
                                        consecutive_failures: number;
                                        /** @description ISO 8601, second precision */
                                        last_triggered_at: string | null;
                                        /** @description ISO 8601, second precision */
                                        next_trigger_at: string | null;
                                        total_failures: number;
                                        total_runs: number;
                                    };
                                };
                            } & {
                                [key: string]: unknown;
                            };
                            name: string;
                            paused_reason: string | null;
                            resources: unknown[];
                            schedule: {
                                expression: string;
                                /** @description ISO 8601, second precision */
                                last_run_at: string | null;
                                timezone: string;
                                /** @enum {string} */
                                type: "cron";
                                upcoming_runs_at: string[];
                            };
                            /** @enum {string} */
                            status: "active" | "paused";
                            /** @enum {string} */
                            type: "deployment";
                            /** @description ISO 8601, second precision */
                            updated_at: string;
                            vault_ids: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/environments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List environments, newest first */
        get: {
            parameters: {
                query?: {
                    after_id?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                archived_at: string | null;
                                config: {
                                    [key: string]: unknown;
                                };
                                created_at: string;
                                description: string;
                                id: string;
                                name: string;
                                /** @enum {string} */
                                type: "environment";
                                updated_at: string;
                            }[];
                            first_id: string | null;
                            has_more: boolean;
                            last_id: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create an environment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        config?: {
                            /** @enum {string} */
                            runtime?: "local";
                        };
                        description?: string;
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            archived_at: string | null;
                            config: {
                                [key: string]: unknown;
                            };
                            created_at: string;
                            description: string;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            type: "environment";
                            updated_at: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/environments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an environment */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            archived_at: string | null;
                            config: {
                                [key: string]: unknown;
                            };
                            created_at: string;
                            description: string;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            type: "environment";
                            updated_at: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/vaults": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List vaults, newest first (names only) */
        get: {
            parameters: {
                query?: {
                    after_id?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                created_at: string;
                                id: string;
                                name: string;
                                secret_names: string[];
                                /** @enum {string} */
                                type: "vault";
                                updated_at: string;
                            }[];
                            first_id: string | null;
                            has_more: boolean;
                            last_id: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a vault (secret values are never returned)
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        secrets: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            created_at: string;
                            id: string;
                            name: string;
                            secret_names: string[];
                            /** @enum {string} */
                            type: "vault";
                            updated_at: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cloud/vaults/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a vault (names only) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            created_at: string;
                            id: string;
                            name: string;
                            secret_names: string[];
                            /** @enum {string} */
                            type: "vault";
                            updated_at: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List deployments */
        get: {
            parameters: {
                query?: {
                    agent_id?: string;
                    limit?: number;
                    skip?: number;
                    status?: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        }[];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a deployment of an owned agent
         * @description Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded (only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself (PORT, HOME, PATH, BERTH_VOLUME_DIR, BERTH_REPLICA, BERTH_INSTANCE, BERTH_SESSION_ID), a value holding a NUL byte or longer than 32768 characters, more than 200 variables or more than 256 KiB in all. Values are encrypted at rest and never appear in an event, a log line or an error; values of secret variables are masked in logs and output.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        agent_id: string;
                        environment?: {
                            [key: string]: string;
                        };
                        replicas?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments/{deployment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a deployment */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Kill a deployment */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments/{deployment_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lifecycle history, newest first */
        get: {
            parameters: {
                query?: {
                    event_type?: string;
                    limit?: number;
                    skip?: number;
                    status?: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                };
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment_id: string;
                            /** @enum {string} */
                            deployment_status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            events: {
                                actor: string | null;
                                created_at: string;
                                deployment_id: string;
                                event_type: string;
                                /** @enum {string|null} */
                                from_status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed" | null;
                                id: string;
                                message: string;
                                /** @enum {string|null} */
                                to_status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed" | null;
                            }[];
                            limit: number;
                            skip: number;
                            total: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments/{deployment_id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Logs of the deployment's replicas */
        get: {
            parameters: {
                query?: {
                    replica?: number;
                    tail?: number;
                };
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment_id: string;
                            logs: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments/{deployment_id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** CPU, memory, replicas, restarts and uptime */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            cpu_millicores: number;
                            cpu_usage: string;
                            deployment_id: string;
                            memory_bytes: number;
                            memory_usage: string;
                            replicas_desired: number;
                            replicas_ready: number;
                            restarts: number;
                            timestamp: string;
                            uptime_seconds: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments/{deployment_id}/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restart a stopped or failed deployment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deployments/{deployment_id}/scale": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Change the replica count of a running deployment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deployment_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        replicas: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            agent_id: string | null;
                            created_at: string;
                            ended_at: string | null;
                            environment_keys: string[];
                            id: string;
                            name: string;
                            ready_replicas: number;
                            replicas: number;
                            /** @enum {string} */
                            status: "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
                            status_reason: string | null;
                            team_id: string;
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            detail: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ready";
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "not ready";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
