/** The sandbox's /etc copy, on real directories: what is copied, what is left out, and when a new copy is made. */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { ETC_ENTRIES, sandboxEtc } from "./sandbox-etc.js";

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function scratch(): { host: string; copies: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "berth-etc-test-"));
  made.push(root);
  const host = path.join(root, "etc");
  fs.mkdirSync(path.join(host, "ssl", "certs"), { recursive: true });
  fs.mkdirSync(path.join(host, "ssl", "private"), { mode: 0o700 });
  fs.chmodSync(path.join(host, "ssl", "private"), 0o700);
  fs.writeFileSync(path.join(host, "ssl", "private", "key.pem"), "secret");
  fs.writeFileSync(path.join(host, "ssl", "certs", "bundle.crt"), "certs");
  fs.symlinkSync("bundle.crt", path.join(host, "ssl", "certs", "abc.0"));
  fs.writeFileSync(path.join(host, "hosts"), "127.0.0.1 localhost\n");
  fs.writeFileSync(path.join(host, "shadow-like"), "root:hash", { mode: 0o640 });
  fs.chmodSync(path.join(host, "shadow-like"), 0o640);
  fs.symlinkSync(path.join(host, "hosts"), path.join(host, "localtime"));
  return { host, copies: path.join(root, "run", "sandbox-etc") };
}

it("copies what others may read, keeps links inside directories, and leaves private files out", () => {
  const { host, copies } = scratch();
  const entries = ["ssl", "hosts", "shadow-like", "localtime", "missing"].map((e) => path.join(host, e));
  const dir = sandboxEtc({ entries, copies, now: 0 });
  expect(fs.readdirSync(dir).sort()).toEqual(["hosts", "localtime", "ssl"]);
  expect(fs.readdirSync(path.join(dir, "ssl"))).toEqual(["certs"]);
  expect(fs.readlinkSync(path.join(dir, "ssl", "certs", "abc.0"))).toBe("bundle.crt");
  expect(fs.readFileSync(path.join(dir, "ssl", "certs", "bundle.crt"), "utf8")).toBe("certs");
  // An entry that is a link is copied as what it points to, as a bind of it showed.
  expect(fs.lstatSync(path.join(dir, "localtime")).isFile()).toBe(true);
  expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe("755");
});

it("keeps a copy while the host entries stay the same and makes a new one when one changes", () => {
  const { host, copies } = scratch();
  const entries = [path.join(host, "hosts"), path.join(host, "ssl")];
  const first = sandboxEtc({ entries, copies, now: 0 });
  fs.writeFileSync(path.join(host, "hosts"), "127.0.0.1 localhost changed\n");
  // Checked at most once a second.
  expect(sandboxEtc({ entries, copies, now: 500 })).toBe(first);
  const second = sandboxEtc({ entries, copies, now: 1_500 });
  expect(second).not.toBe(first);
  expect(fs.readFileSync(path.join(second, "hosts"), "utf8")).toContain("changed");
  // The copy a running sandbox started with is left as it was.
  expect(fs.readFileSync(path.join(first, "hosts"), "utf8")).not.toContain("changed");
  fs.writeFileSync(path.join(host, "ssl", "certs", "new.crt"), "more");
  const third = sandboxEtc({ entries, copies, now: 3_000 });
  expect(fs.existsSync(path.join(third, "ssl", "certs", "new.crt"))).toBe(true);
  expect(sandboxEtc({ entries, copies, now: 4_500 })).toBe(third);
});

it("covers the host entries a program needs and never the host's secrets", () => {
  expect(ETC_ENTRIES).toEqual(expect.arrayContaining(["/etc/ssl", "/etc/resolv.conf", "/etc/passwd"]));
  expect(ETC_ENTRIES.some((e) => /shadow|gshadow|sudoers/.test(e))).toBe(false);
  const dir = sandboxEtc({
    copies: path.join(os.tmpdir(), `berth-etc-real-${randomBytes(4).toString("hex")}`, "c"),
  });
  made.push(path.dirname(path.dirname(dir)));
  expect(fs.existsSync(path.join(dir, "ssl", "private"))).toBe(false);
});
