"""The berth client: one method per operation, snake_case names and keyword arguments.

Answers are the server's JSON as dicts (keys exactly as the surface spells them); errors raise
``BerthError``. Path parameters are positional; everything else is a keyword argument.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional

from .errors import BerthError

OPERATIONS: Dict[str, tuple] = {
    "health": ("GET", "/healthz"),
    "ready": ("GET", "/readyz"),
    # platform API
    "get_me": ("GET", "/api/me"),
    "create_team": ("POST", "/api/teams"),
    "list_teams": ("GET", "/api/teams"),
    "get_team": ("GET", "/api/teams/{teamId}"),
    "update_team": ("PATCH", "/api/teams/{teamId}"),
    "list_team_billing_events": ("GET", "/api/teams/{teamId}/billing-events"),
    "create_user": ("POST", "/api/users"),
    "list_users": ("GET", "/api/users"),
    "create_key": ("POST", "/api/keys"),
    "list_keys": ("GET", "/api/keys"),
    "delete_key": ("DELETE", "/api/keys/{keyId}"),
    "list_templates": ("GET", "/api/templates"),
    "create_template": ("POST", "/api/templates"),
    "get_template": ("GET", "/api/templates/{slug}"),
    "delete_template": ("DELETE", "/api/templates/{slug}"),
    "create_template_revision": ("POST", "/api/templates/{slug}/revisions"),
    "set_template_status": ("PUT", "/api/templates/{slug}/status"),
    "create_agent": ("POST", "/api/agents"),
    "list_agents": ("GET", "/api/agents"),
    "get_agent": ("GET", "/api/agents/{agentId}"),
    "send_agent_heartbeat": ("POST", "/api/agents/{agentId}/heartbeat"),
    "list_registry_credentials": ("GET", "/api/registry-credentials"),
    "put_registry_credential": ("PUT", "/api/registry-credentials/{registry}"),
    "get_registry_credential": ("GET", "/api/registry-credentials/{registry}"),
    "delete_registry_credential": ("DELETE", "/api/registry-credentials/{registry}"),
    # template platform API (seed 004)
    "list_deployments": ("GET", "/api/deployments"),
    "create_deployment": ("POST", "/api/deployments"),
    "get_deployment_status": ("GET", "/api/deployments/status"),
    "delete_deployment": ("POST", "/api/deployments/delete"),
    "restart_deployment": ("POST", "/api/deployments/restart"),
    "deploy_image": ("POST", "/api/deployments/deploy-image"),
    "get_deployment_config": ("GET", "/api/deployments/config"),
    "update_deployment_config": ("PUT", "/api/deployments/config"),
    "get_deployment_auto_update": ("GET", "/api/deployments/auto-update"),
    "set_deployment_auto_update": ("PUT", "/api/deployments/auto-update"),
    "get_deployment_logs": ("GET", "/api/deployments/{name}/logs"),
    "follow_deployment_logs": ("GET", "/api/deployments/{name}/logs/stream"),
    "get_deployment_metrics": ("GET", "/api/deployments/{name}/metrics"),
    "get_deployment_history": ("GET", "/api/deployments/{name}/history"),
    "get_deployment_events": ("GET", "/api/deployments/{name}/events"),
    # agent deployments API (seed 002)
    "list_agent_deployments": ("GET", "/deployments"),
    "create_agent_deployment": ("POST", "/deployments"),
    "deploy_agent": ("POST", "/agents/{agent_id}/deploy"),
    "get_agent_deployment": ("GET", "/deployments/{deployment_id}"),
    "delete_agent_deployment": ("DELETE", "/deployments/{deployment_id}"),
    "list_agent_deployment_events": ("GET", "/deployments/{deployment_id}/events"),
    "get_agent_deployment_logs": ("GET", "/deployments/{deployment_id}/logs"),
    "get_agent_deployment_metrics": ("GET", "/deployments/{deployment_id}/metrics"),
    "restart_agent_deployment": ("POST", "/deployments/{deployment_id}/restart"),
    "scale_agent_deployment": ("POST", "/deployments/{deployment_id}/scale"),
    # cloud runtime (seeds 000/001)
    "list_cloud_deployments": ("GET", "/api/cloud-saas/deployments"),
    "get_cloud_deployment": ("GET", "/api/cloud-saas/deployments/{id}"),
    "get_cloud_deployment_manifest": ("GET", "/api/cloud-saas/deployments/{id}/manifest"),
    "sync_cloud_deployment_template": ("POST", "/api/cloud-saas/deployments/{id}/template"),
    "redeploy_cloud_deployment": ("POST", "/api/cloud-saas/deployments/{id}/redeploy"),
    "pause_cloud_deployment": ("POST", "/api/cloud-saas/deployments/{id}/pause"),
    "resume_cloud_deployment": ("POST", "/api/cloud-saas/deployments/{id}/resume"),
    "list_cloud_deployment_backups": ("GET", "/api/cloud-saas/deployments/{id}/backups"),
    "create_cloud_deployment_backup": ("POST", "/api/cloud-saas/deployments/{id}/backups"),
    "restore_cloud_deployment_backup": ("POST", "/api/cloud-saas/deployments/{id}/restore"),
    "set_cloud_deployment_idle_timeout": ("PUT", "/api/cloud-saas/deployments/{id}/idle-timeout"),
    "send_mention": ("POST", "/api/cloud-saas/mentions"),
    # scheduled deployments API (seed 003)
    "create_scheduled_deployment": ("POST", "/api/v1/cloud/deployments"),
    "list_scheduled_deployments": ("GET", "/api/v1/cloud/deployments"),
    "get_scheduled_deployment": ("GET", "/api/v1/cloud/deployments/{id}"),
    "update_scheduled_deployment": ("POST", "/api/v1/cloud/deployments/{id}"),
    "delete_scheduled_deployment": ("DELETE", "/api/v1/cloud/deployments/{id}"),
    "pause_scheduled_deployment": ("POST", "/api/v1/cloud/deployments/{id}/pause"),
    "unpause_scheduled_deployment": ("POST", "/api/v1/cloud/deployments/{id}/unpause"),
    "archive_scheduled_deployment": ("POST", "/api/v1/cloud/deployments/{id}/archive"),
    "run_scheduled_deployment": ("POST", "/api/v1/cloud/deployments/{id}/run"),
    "list_scheduled_deployment_runs": ("GET", "/api/v1/cloud/deployments/{id}/runs"),
    "create_environment": ("POST", "/api/v1/cloud/environments"),
    "list_environments": ("GET", "/api/v1/cloud/environments"),
    "get_environment": ("GET", "/api/v1/cloud/environments/{id}"),
    "create_vault": ("POST", "/api/v1/cloud/vaults"),
    "list_vaults": ("GET", "/api/v1/cloud/vaults"),
    "get_vault": ("GET", "/api/v1/cloud/vaults/{id}"),
}

FINAL_PHASES = ("completed", "failed", "expired")


def _compact(values: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class BerthClient:
    """A client for one berth control plane.

    >>> client = BerthClient("http://127.0.0.1:8080", token="...")
    >>> client.pause_cloud_deployment("deployment-id", agent_id="strategy-buddy")["status"]
    'paused'
    """

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(
        self,
        operation: str,
        path_params: Optional[Dict[str, str]] = None,
        query: Optional[Dict[str, Any]] = None,
        body: Any = None,
    ) -> Any:
        """Calls one operation by name; every method goes through here."""
        response = self._open(operation, path_params or {}, query, body)
        with response:
            raw = response.read().decode("utf-8")
            if raw and "json" in (response.headers.get("content-type") or ""):
                return json.loads(raw)
            return raw

    def _open(self, operation: str, path_params: Dict[str, str], query: Any, body: Any, timeout: Any = "default"):
        method, template = OPERATIONS[operation]
        path = template
        for key, value in path_params.items():
            if not value:
                raise ValueError(f"{operation}: missing {key}")
            path = path.replace("{" + key + "}", urllib.parse.quote(str(value), safe=""))
        url = self.base_url + path
        params = _compact(query or {})
        if params:
            url += "?" + urllib.parse.urlencode(
                {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items()}
            )
        headers = {"accept": "application/json", "user-agent": "berth-sdk-python/0.1.0"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(req, timeout=self.timeout if timeout == "default" else timeout)
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            raise BerthError(err.code, parsed, method, path) from None

    # --- probes
    def health(self) -> Dict[str, Any]:
        return self.request("health")

    def ready(self) -> Dict[str, Any]:
        return self.request("ready")

    # --- platform API
    def get_me(self) -> Dict[str, Any]:
        return self.request("get_me")

    def create_team(self, name: str, tier: Optional[str] = None) -> Dict[str, Any]:
        return self.request("create_team", body=_compact({"name": name, "tier": tier}))

    def list_teams(self) -> Any:
        return self.request("list_teams")

    def get_team(self, team_id: str) -> Dict[str, Any]:
        return self.request("get_team", {"teamId": team_id})

    def update_team(self, team_id: str, tier: str) -> Dict[str, Any]:
        return self.request("update_team", {"teamId": team_id}, body={"tier": tier})

    def list_team_billing_events(self, team_id: str) -> Any:
        return self.request("list_team_billing_events", {"teamId": team_id})

    def create_user(
        self, email: str, name: str, team_id: Optional[str] = None, role: Optional[str] = None
    ) -> Dict[str, Any]:
        body = _compact({"email": email, "name": name, "teamId": team_id, "role": role})
        return self.request("create_user", body=body)

    def list_users(self) -> Any:
        return self.request("list_users")

    def create_key(
        self, name: str, scopes: List[str], team_id: Optional[str] = None, user_id: Optional[str] = None
    ) -> Dict[str, Any]:
        """The key itself is in the answer once and never again."""
        body = _compact({"name": name, "scopes": scopes, "teamId": team_id, "userId": user_id})
        return self.request("create_key", body=body)

    def list_keys(self) -> Any:
        return self.request("list_keys")

    def delete_key(self, key_id: str) -> Dict[str, Any]:
        return self.request("delete_key", {"keyId": key_id})

    def list_templates(self) -> Any:
        return self.request("list_templates")

    def create_template(
        self,
        slug: str,
        config: Dict[str, Any],
        name: Optional[str] = None,
        description: Optional[str] = None,
        kind: Optional[str] = None,
    ) -> Dict[str, Any]:
        body = _compact({"slug": slug, "config": config, "name": name, "description": description, "kind": kind})
        return self.request("create_template", body=body)

    def get_template(self, slug: str) -> Dict[str, Any]:
        return self.request("get_template", {"slug": slug})

    def delete_template(self, slug: str) -> Dict[str, Any]:
        return self.request("delete_template", {"slug": slug})

    def create_template_revision(self, slug: str, config: Dict[str, Any]) -> Dict[str, Any]:
        return self.request("create_template_revision", {"slug": slug}, body={"config": config})

    def set_template_status(self, slug: str, status: str) -> Dict[str, Any]:
        return self.request("set_template_status", {"slug": slug}, body={"status": status})

    def create_agent(
        self, name: str, spec: Dict[str, Any], version: Optional[str] = None, team_id: Optional[str] = None
    ) -> Dict[str, Any]:
        body = _compact({"name": name, "spec": spec, "version": version, "teamId": team_id})
        return self.request("create_agent", body=body)

    def list_agents(self) -> Any:
        return self.request("list_agents")

    def get_agent(self, agent_id: str) -> Dict[str, Any]:
        return self.request("get_agent", {"agentId": agent_id})

    def send_agent_heartbeat(
        self, agent_id: str, at: Optional[str] = None, usage: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        return self.request("send_agent_heartbeat", {"agentId": agent_id}, body=_compact({"at": at, "usage": usage}))

    # --- container registry logins (the password is write-only: no answer carries it)
    def list_registry_credentials(self) -> Dict[str, Any]:
        return self.request("list_registry_credentials")

    def put_registry_credential(self, registry: str, username: str, password: str) -> Dict[str, Any]:
        body = {"username": username, "password": password}
        return self.request("put_registry_credential", {"registry": registry}, body=body)

    def get_registry_credential(self, registry: str) -> Dict[str, Any]:
        return self.request("get_registry_credential", {"registry": registry})

    def delete_registry_credential(self, registry: str) -> Any:
        return self.request("delete_registry_credential", {"registry": registry})

    # --- template platform API (seed 004): deployments by name
    def list_deployments(self, team_id: Optional[str] = None) -> List[Dict[str, Any]]:
        return self.request("list_deployments", query={"team_id": team_id})

    def create_deployment(
        self,
        template: str,
        env_vars: Optional[Dict[str, str]] = None,
        visibility: Optional[str] = None,
        name: Optional[str] = None,
        team_id: Optional[str] = None,
    ) -> Dict[str, Any]:
        body = _compact(
            {"template": template, "envVars": env_vars, "visibility": visibility, "name": name, "teamId": team_id}
        )
        return self.request("create_deployment", body=body)

    def get_deployment_status(self, name: str) -> Dict[str, Any]:
        return self.request("get_deployment_status", query={"name": name})

    def delete_deployment(self, name: str) -> Dict[str, Any]:
        return self.request("delete_deployment", body={"deployment_name": name})

    def restart_deployment(self, name: str) -> Dict[str, Any]:
        return self.request("restart_deployment", body={"deployment_name": name})

    def deploy_image(
        self,
        image: str,
        name: Optional[str] = None,
        container_port: Optional[int] = None,
        env_vars: Optional[Dict[str, str]] = None,
        visibility: Optional[str] = None,
        team_id: Optional[str] = None,
    ) -> Dict[str, Any]:
        body = _compact(
            {
                "image": image,
                "name": name,
                "containerPort": container_port,
                "envVars": env_vars,
                "visibility": visibility,
                "teamId": team_id,
            }
        )
        return self.request("deploy_image", body=body)

    def get_deployment_config(self, name: str) -> Dict[str, Any]:
        return self.request("get_deployment_config", query={"name": name})

    def update_deployment_config(self, name: str, config_data: Dict[str, str]) -> Dict[str, Any]:
        """Replaces the deployment's env vars; the workload restarts with them."""
        body = {"deployment_name": name, "configData": config_data}
        return self.request("update_deployment_config", body=body)

    def get_deployment_auto_update(self, name: str) -> Dict[str, Any]:
        return self.request("get_deployment_auto_update", query={"name": name})

    def set_deployment_auto_update(self, name: str, enabled: bool, strategy: Optional[str] = None) -> Dict[str, Any]:
        body = _compact({"deployment_name": name, "enabled": enabled, "strategy": strategy})
        return self.request("set_deployment_auto_update", body=body)

    def get_deployment_logs(self, name: str, service: Optional[str] = None, tail: Optional[int] = None) -> Dict[str, Any]:
        return self.request("get_deployment_logs", {"name": name}, query={"service": service, "tail": tail})

    def follow_deployment_logs(self, name: str, service: Optional[str] = None) -> Iterator[str]:
        """Yields new log lines as they are written (Server-Sent Events) until the caller stops."""
        response = self._open("follow_deployment_logs", {"name": name}, {"service": service}, None, timeout=None)
        with response:
            data: List[str] = []
            for raw in response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        yield "\n".join(data)
                    data = []
                elif line.startswith("data:"):
                    data.append(line[6:] if line.startswith("data: ") else line[5:])

    def get_deployment_metrics(self, name: str, service: Optional[str] = None) -> Dict[str, Any]:
        return self.request("get_deployment_metrics", {"name": name}, query={"service": service})

    def get_deployment_history(self, name: str) -> Dict[str, Any]:
        return self.request("get_deployment_history", {"name": name})

    def get_deployment_events(self, name: str) -> Dict[str, Any]:
        return self.request("get_deployment_events", {"name": name})

    # --- agent deployments API (seed 002): deployments by id, with replicas
    def list_agent_deployments(
        self,
        skip: Optional[int] = None,
        limit: Optional[int] = None,
        agent_id: Optional[str] = None,
        status: Optional[str] = None,
    ) -> Dict[str, Any]:
        query = {"skip": skip, "limit": limit, "agent_id": agent_id, "status": status}
        return self.request("list_agent_deployments", query=query)

    def create_agent_deployment(
        self, agent_id: str, replicas: Optional[int] = None, environment: Optional[Dict[str, str]] = None
    ) -> Dict[str, Any]:
        body = _compact({"agent_id": agent_id, "replicas": replicas, "environment": environment})
        return self.request("create_agent_deployment", body=body)

    def deploy_agent(
        self, agent_id: str, replicas: Optional[int] = None, environment: Optional[Dict[str, str]] = None
    ) -> Dict[str, Any]:
        body = _compact({"replicas": replicas, "environment": environment})
        return self.request("deploy_agent", {"agent_id": agent_id}, body=body)

    def get_agent_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("get_agent_deployment", {"deployment_id": deployment_id})

    def delete_agent_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("delete_agent_deployment", {"deployment_id": deployment_id})

    def list_agent_deployment_events(
        self,
        deployment_id: str,
        skip: Optional[int] = None,
        limit: Optional[int] = None,
        event_type: Optional[str] = None,
        status: Optional[str] = None,
    ) -> Dict[str, Any]:
        query = {"skip": skip, "limit": limit, "event_type": event_type, "status": status}
        return self.request("list_agent_deployment_events", {"deployment_id": deployment_id}, query=query)

    def get_agent_deployment_logs(
        self, deployment_id: str, tail: Optional[int] = None, replica: Optional[int] = None
    ) -> Dict[str, Any]:
        query = {"tail": tail, "replica": replica}
        return self.request("get_agent_deployment_logs", {"deployment_id": deployment_id}, query=query)

    def get_agent_deployment_metrics(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("get_agent_deployment_metrics", {"deployment_id": deployment_id})

    def restart_agent_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("restart_agent_deployment", {"deployment_id": deployment_id})

    def scale_agent_deployment(self, deployment_id: str, replicas: int) -> Dict[str, Any]:
        return self.request("scale_agent_deployment", {"deployment_id": deployment_id}, body={"replicas": replicas})

    # --- cloud runtime (seeds 000/001)
    def list_cloud_deployments(self) -> Dict[str, Any]:
        return self.request("list_cloud_deployments")

    def get_cloud_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("get_cloud_deployment", {"id": deployment_id})

    def get_cloud_deployment_manifest(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("get_cloud_deployment_manifest", {"id": deployment_id})

    def sync_cloud_deployment_template(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("sync_cloud_deployment_template", {"id": deployment_id}, body={})

    def redeploy_cloud_deployment(
        self,
        deployment_id: str,
        mode: Optional[str] = None,
        template_slug: Optional[str] = None,
        config_snapshot: Optional[Dict[str, Any]] = None,
        env_vars: Optional[Dict[str, str]] = None,
    ) -> Dict[str, Any]:
        body = _compact(
            {"mode": mode, "templateSlug": template_slug, "configSnapshot": config_snapshot, "envVars": env_vars}
        )
        return self.request("redeploy_cloud_deployment", {"id": deployment_id}, body=body)

    def pause_cloud_deployment(self, deployment_id: str, agent_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("pause_cloud_deployment", {"id": deployment_id}, body=_compact({"agentId": agent_id}))

    def resume_cloud_deployment(self, deployment_id: str, agent_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("resume_cloud_deployment", {"id": deployment_id}, body=_compact({"agentId": agent_id}))

    def list_cloud_deployment_backups(self, deployment_id: str, agent_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("list_cloud_deployment_backups", {"id": deployment_id}, query={"agentId": agent_id})

    def create_cloud_deployment_backup(
        self,
        deployment_id: str,
        agent_id: Optional[str] = None,
        driver: Optional[str] = None,
        retention_days: Optional[int] = None,
    ) -> Dict[str, Any]:
        body = _compact({"agentId": agent_id, "driver": driver, "retentionDays": retention_days})
        return self.request("create_cloud_deployment_backup", {"id": deployment_id}, body=body)

    def restore_cloud_deployment_backup(
        self, deployment_id: str, agent_id: Optional[str] = None, backup_id: Optional[str] = None
    ) -> Dict[str, Any]:
        body = _compact({"agentId": agent_id, "backupId": backup_id})
        return self.request("restore_cloud_deployment_backup", {"id": deployment_id}, body=body)

    def set_cloud_deployment_idle_timeout(self, deployment_id: str, idle_timeout_ms: Optional[int]) -> Dict[str, Any]:
        body = {"idleTimeoutMs": idle_timeout_ms}
        return self.request("set_cloud_deployment_idle_timeout", {"id": deployment_id}, body=body)

    def send_mention(
        self,
        agent_id: str,
        channel_id: Optional[str] = None,
        thread_id: Optional[str] = None,
        message: Optional[str] = None,
    ) -> Dict[str, Any]:
        body = _compact({"agentId": agent_id, "channelId": channel_id, "threadId": thread_id, "message": message})
        return self.request("send_mention", body=body)

    def wait_for_backup(
        self,
        deployment_id: str,
        backup_id: str,
        interval: float = 0.5,
        timeout: float = 600.0,
        on_progress: Optional[Callable[[Dict[str, Any]], None]] = None,
    ) -> Dict[str, Any]:
        """Polls a backup until its backup or restore reaches a final phase and returns the record.

        A failed backup or restore is returned (``phase == "failed"``), not raised.
        """
        deadline = time.monotonic() + timeout
        while True:
            backups = self.list_cloud_deployment_backups(deployment_id)["backups"]
            backup = next((b for b in backups if b["id"] == backup_id), None)
            if backup is None:
                raise LookupError(f"backup {backup_id} of deployment {deployment_id} not found")
            if on_progress:
                on_progress(backup)
            if backup["phase"] in FINAL_PHASES:
                return backup
            if time.monotonic() + interval > deadline:
                raise TimeoutError(f"backup {backup_id} still {backup['phase']} after {timeout} s")
            time.sleep(interval)

    # --- scheduled deployments API (seed 003)
    def create_scheduled_deployment(
        self,
        agent: Any,
        environment_id: str,
        name: str,
        schedule: Dict[str, Any],
        description: Optional[str] = None,
        initial_events: Optional[List[Dict[str, Any]]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        resources: Optional[List[Dict[str, Any]]] = None,
        vault_ids: Optional[List[str]] = None,
    ) -> Dict[str, Any]:
        body = _compact(
            {
                "agent": agent,
                "environment_id": environment_id,
                "name": name,
                "schedule": schedule,
                "description": description,
                "initial_events": initial_events,
                "metadata": metadata,
                "resources": resources,
                "vault_ids": vault_ids,
            }
        )
        return self.request("create_scheduled_deployment", body=body)

    def list_scheduled_deployments(self, limit: Optional[int] = None, after_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("list_scheduled_deployments", query={"limit": limit, "after_id": after_id})

    def get_scheduled_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("get_scheduled_deployment", {"id": deployment_id})

    def update_scheduled_deployment(self, deployment_id: str, **fields: Any) -> Dict[str, Any]:
        """Fields as the API names them: ``name``, ``schedule``, ``initial_events``, ``vault_ids``, …"""
        return self.request("update_scheduled_deployment", {"id": deployment_id}, body=_compact(fields))

    def delete_scheduled_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("delete_scheduled_deployment", {"id": deployment_id})

    def pause_scheduled_deployment(self, deployment_id: str, reason: Optional[str] = None) -> Dict[str, Any]:
        body = _compact({"reason": reason})
        return self.request("pause_scheduled_deployment", {"id": deployment_id}, body=body)

    def unpause_scheduled_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("unpause_scheduled_deployment", {"id": deployment_id}, body={})

    def archive_scheduled_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("archive_scheduled_deployment", {"id": deployment_id}, body={})

    def run_scheduled_deployment(self, deployment_id: str) -> Dict[str, Any]:
        return self.request("run_scheduled_deployment", {"id": deployment_id}, body={})

    def list_scheduled_deployment_runs(
        self, deployment_id: str, limit: Optional[int] = None, after_id: Optional[str] = None
    ) -> Dict[str, Any]:
        query = {"limit": limit, "after_id": after_id}
        return self.request("list_scheduled_deployment_runs", {"id": deployment_id}, query=query)

    def create_environment(
        self, name: str, description: Optional[str] = None, config: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        body = _compact({"name": name, "description": description, "config": config})
        return self.request("create_environment", body=body)

    def list_environments(self, limit: Optional[int] = None, after_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("list_environments", query={"limit": limit, "after_id": after_id})

    def get_environment(self, environment_id: str) -> Dict[str, Any]:
        return self.request("get_environment", {"id": environment_id})

    def create_vault(self, name: str, secrets: Dict[str, str]) -> Dict[str, Any]:
        """Vault secrets are write-only: answers carry their names, never their values."""
        return self.request("create_vault", body={"name": name, "secrets": secrets})

    def list_vaults(self, limit: Optional[int] = None, after_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("list_vaults", query={"limit": limit, "after_id": after_id})

    def get_vault(self, vault_id: str) -> Dict[str, Any]:
        return self.request("get_vault", {"id": vault_id})
