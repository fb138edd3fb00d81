"""End-to-end tests of berth_sdk against a running berth.

Needs BERTH_URL and BERTH_TOKEN (a team key with deployments, templates and agents scopes); the
berth test suite starts a real server on port 0 and runs these with the machine's python3.
"""

import http.client
import json
import os
import threading
import time
import unittest
import urllib.parse
import urllib.request

from berth_sdk import BerthClient, BerthError
from berth_sdk.client import OPERATIONS

URL = os.environ["BERTH_URL"]
TOKEN = os.environ["BERTH_TOKEN"]


def wait_for(check, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except BerthError as err:
            last = err
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {last}")


def via_ingress(host, path="/", method="GET"):
    """A request through berth's ingress: berth's own port with the deployment's Host header."""
    url = urllib.parse.urlparse(URL)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, headers={"host": host})
        res = conn.getresponse()
        return res.status, res.read().decode("utf-8")
    finally:
        conn.close()


def counter(host):
    status, text = via_ingress(host)
    return json.loads(text)["count"] if status == 200 else None


class EveryOperation(unittest.TestCase):
    def test_every_operation_in_openapi_has_a_method(self):
        with urllib.request.urlopen(URL + "/openapi.json") as res:
            doc = json.load(res)
        served = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
        table = {(m, p): name for name, (m, p) in OPERATIONS.items()}
        self.assertEqual(sorted(served - set(table)), [], "operations without a Python method")
        self.assertEqual(sorted(set(table) - served), [], "methods for operations berth does not serve")
        client = BerthClient(URL, token=TOKEN)
        for name in table.values():
            self.assertTrue(callable(getattr(client, name, None)), name)


class CloudLifecycle(unittest.TestCase):
    """The seed's examples, with their names and keyword arguments, on a counter-agent."""

    @classmethod
    def setUpClass(cls):
        cls.client = BerthClient(URL, token=TOKEN)
        created = cls.client.create_deployment("counter-agent")
        cls.deployment_id = created["id"]
        cls.host = created["name"] + ".localhost"
        wait_for(lambda: cls.client.get_deployment_status(created["name"])["deploymentReady"], "ready")
        wait_for(lambda: counter(cls.host) is not None, "serving")

    def test_seed_examples_in_order(self):
        client = self.client
        manifest = client.get_cloud_deployment_manifest(self.deployment_id)
        self.assertIsInstance(manifest, dict)
        client.sync_cloud_deployment_template(self.deployment_id)
        result = client.redeploy_cloud_deployment(self.deployment_id, mode="template")
        self.assertEqual(result["status"], "deployed")
        deployment_id = result["deployment"]["id"]
        agent_id = client.get_cloud_deployment(deployment_id)["deployment"]["agents"][0]["agentId"]

        result = client.pause_cloud_deployment(deployment_id, agent_id=agent_id)
        self.assertEqual(result["status"], "paused")
        result = client.resume_cloud_deployment(deployment_id, agent_id=agent_id)
        self.assertEqual(result["status"], "deployed")
        wait_for(lambda: counter(self.host) is not None, "serving after resume")
        via_ingress(self.host, "/increment", "POST")
        saved = counter(self.host)

        result = client.create_cloud_deployment_backup(
            deployment_id, agent_id=agent_id, driver="restic", retention_days=30
        )
        backup = result["backup"]
        self.assertEqual((backup["status"], backup["phase"]), ("running", "queued"))
        phases = []
        done = client.wait_for_backup(deployment_id, backup["id"], interval=0.02, on_progress=lambda b: phases.append(b["phase"]))
        self.assertEqual((done["status"], done["phase"]), ("succeeded", "completed"))
        self.assertIn("completed", phases)
        backups = client.list_cloud_deployment_backups(deployment_id, agent_id=agent_id)["backups"]
        self.assertIn(backup["id"], [b["id"] for b in backups])

        via_ingress(self.host, "/increment", "POST")
        self.assertEqual(counter(self.host), saved + 1)
        result = client.restore_cloud_deployment_backup(deployment_id, agent_id=agent_id, backup_id=backup["id"])
        self.assertEqual(result["status"], "resuming")
        restored = client.wait_for_backup(deployment_id, backup["id"], interval=0.02)
        self.assertEqual((restored["phase"], restored["restoreStatus"]), ("completed", "succeeded"))
        wait_for(lambda: counter(self.host) == saved, "restored counter")

    def test_follow_logs_yields_new_lines(self):
        name = self.host.split(".")[0]
        lines = []
        seen = threading.Event()

        def follow():
            for line in self.client.follow_deployment_logs(name):
                lines.append(line)
                if "count is now" in line:
                    seen.set()
                    return

        threading.Thread(target=follow, daemon=True).start()
        deadline = time.monotonic() + 20
        while not seen.is_set() and time.monotonic() < deadline:
            via_ingress(self.host, "/increment", "POST")
            seen.wait(0.2)
        self.assertTrue(seen.is_set(), f"no followed line, got {lines}")


class Errors(unittest.TestCase):
    def setUp(self):
        self.client = BerthClient(URL, token=TOKEN)

    def test_each_surface_raises_berth_error_with_its_envelope(self):
        with self.assertRaises(BerthError) as ctx:
            self.client.get_deployment_status("no-such-deployment")
        self.assertEqual(ctx.exception.status, 404)
        self.assertIsInstance(ctx.exception.body["error"], str)

        with self.assertRaises(BerthError) as ctx:
            self.client.get_agent_deployment("00000000-0000-7000-8000-000000000000")
        self.assertEqual(ctx.exception.status, 404)
        self.assertEqual(ctx.exception.server_message, ctx.exception.body["detail"])

        with self.assertRaises(BerthError) as ctx:
            self.client.get_scheduled_deployment("dep_" + "0" * 32)
        self.assertEqual((ctx.exception.status, ctx.exception.type), (404, "not_found_error"))

        with self.assertRaises(BerthError) as ctx:
            self.client.pause_cloud_deployment("no-such-deployment", agent_id="strategy-buddy")
        self.assertEqual(ctx.exception.status, 404)

    def test_a_bad_key_is_401_and_never_echoed(self):
        with self.assertRaises(BerthError) as ctx:
            BerthClient(URL, token="not-a-key-secret").get_me()
        self.assertEqual(ctx.exception.status, 401)
        self.assertNotIn("not-a-key-secret", str(ctx.exception))


class Scheduled(unittest.TestCase):
    def test_schedules_environments_and_write_only_vaults(self):
        client = BerthClient(URL, token=TOKEN)
        env = client.create_environment("py-env")
        vault = client.create_vault("py-vault", {"API_TOKEN": "py-vault-secret-value"})
        self.assertNotIn("py-vault-secret-value", json.dumps(vault))
        agent = client.create_agent("py agent", {"name": "counter", "image": "berth/counter-agent", "port": 8080})
        schedule = client.create_scheduled_deployment(
            agent={"id": agent["id"], "type": "agent"},
            environment_id=env["id"],
            name="weekly",
            schedule={"type": "cron", "expression": "0 9 * * 1", "timezone": "America/New_York"},
            initial_events=[{"type": "user.message", "content": "summarise the week"}],
            vault_ids=[vault["id"]],
        )
        self.assertTrue(schedule["id"].startswith("dep_"))
        self.assertEqual(len(schedule["schedule"]["upcoming_runs_at"]), 5)
        paused = client.pause_scheduled_deployment(schedule["id"], reason="holiday")
        self.assertEqual(paused["status"], "paused")
        self.assertEqual(client.unpause_scheduled_deployment(schedule["id"])["status"], "active")
        updated = client.update_scheduled_deployment(schedule["id"], name="weekly report")
        self.assertEqual(updated["name"], "weekly report")
        ids = [s["id"] for s in client.list_scheduled_deployments(limit=100)["data"]]
        self.assertIn(schedule["id"], ids)
        self.assertIsNotNone(client.archive_scheduled_deployment(schedule["id"])["archived_at"])
        self.assertNotIn("py-vault-secret-value", json.dumps(client.get_vault(vault["id"])))


if __name__ == "__main__":
    unittest.main()
