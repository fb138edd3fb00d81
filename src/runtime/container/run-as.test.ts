import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hardening, NOBODY, ownVolumeFor, runAs } from "./run-as.js";

describe("who a container runs as", () => {
  it("keeps an image's non-root USER, handing the volume to a numeric one", () => {
    expect(runAs("ghcr.io/acme/app:v1", "1000:1001")).toEqual({
      user: undefined,
      owner: { uid: 1000, gid: 1001 },
      capAdd: [],
    });
    expect(runAs("acme/app", "1000")).toMatchObject({ user: undefined, owner: { uid: 1000, gid: 1000 } });
    expect(runAs("acme/app", "app")).toEqual({ user: undefined, owner: undefined, capAdd: [] });
  });

  it("runs every other image as nobody, whatever root spelling its USER has", () => {
    for (const user of [undefined, "", "0", "root", "0:0", "root:root", " 0 "]) {
      expect(runAs("ghcr.io/acme/app", user), String(user)).toEqual({
        user: NOBODY,
        owner: { uid: 65534, gid: 65534 },
        capAdd: [],
      });
    }
  });

  it("lets only the catalogue's Docker Hub nginx and postgres start as root, with a few capabilities", () => {
    for (const image of ["nginx:latest", "nginx", "docker.io/library/nginx:1.27", "postgres:16"]) {
      const as = runAs(image, "");
      expect(as.user, image).toBeUndefined();
      expect(as.capAdd).toEqual(expect.arrayContaining(["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"]));
      expect(as.capAdd).not.toContain("SYS_ADMIN");
    }
    // the same names elsewhere are not the catalogue's images
    for (const image of ["ghcr.io/evil/nginx", "evil/nginx", "registry.example.com/library/postgres:16"]) {
      expect(runAs(image, "").user, image).toBe(NOBODY);
    }
  });

  it("drops every capability and sets no-new-privileges on every container", () => {
    expect(hardening([])).toEqual({
      Privileged: false,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
    });
    expect(hardening(["CHOWN"])).toMatchObject({ CapDrop: ["ALL"], CapAdd: ["CHOWN"] });
  });

  it("hands a volume and its content to the container's user once, never following a symlink", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-own-"));
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), "berth-outside-"));
    await fs.mkdir(path.join(dir, "sub"));
    await fs.writeFile(path.join(dir, "sub", "f"), "x");
    await fs.symlink(outside, path.join(dir, "link"));
    await ownVolumeFor(dir, { uid: 65534, gid: 65534 });
    for (const p of [dir, path.join(dir, "sub"), path.join(dir, "sub", "f")]) {
      expect((await fs.stat(p)).uid).toBe(65534);
    }
    expect((await fs.lstat(path.join(dir, "link"))).uid).toBe(65534);
    expect((await fs.stat(outside)).uid).toBe(process.getuid!());
    await fs.rm(dir, { recursive: true });
    await fs.rm(outside, { recursive: true });
  });
});
