import { describe, expect, it } from "vitest";
import { parseCidrs } from "./forwarded.js";
import { destinationOf } from "./host.js";

const d = (hosts: string[], target = "/", version = "1.1") =>
  destinationOf(hosts, target, version, "example.com");

describe("destinationOf", () => {
  it.each([
    [["app.example.com"], "/", { kind: "ingress", name: "app", host: "app.example.com", path: "/" }],
    [["APP.Example.COM"], "/x", { kind: "ingress", name: "app", host: "app.example.com", path: "/x" }],
    [["app.example.com:8080"], "/", { kind: "ingress", name: "app", host: "app.example.com:8080" }],
    [["app.example.com."], "/", { kind: "ingress", name: "app", host: "app.example.com" }],
    [["app.example.com.:443"], "/", { kind: "ingress", name: "app", host: "app.example.com:443" }],
    [["a.b.example.com"], "/", { kind: "unknown", host: "a.b.example.com" }],
    [["_x.example.com"], "/", { kind: "unknown" }],
    [["127.0.0.1:8080"], "/api/me", { kind: "api", host: "127.0.0.1:8080", path: "/api/me" }],
    [["[::1]:8080"], "/", { kind: "api", host: "[::1]:8080" }],
    [["example.com"], "/", { kind: "api" }],
    [["notexample.com"], "/", { kind: "api" }],
  ] as const)("%j %s", (hosts, target, want) => {
    expect(d([...hosts], target)).toMatchObject(want);
  });

  it.each([
    [["a.example.com", "a.example.com"], "/", /more than one Host/],
    [["a b"], "/", /malformed Host/],
    [["u@a.example.com"], "/", /malformed Host/],
    [["a.example.com:65536"], "/", /malformed Host/],
    [["a.example.com:x"], "/", /malformed Host/],
    [[""], "/", /malformed Host/],
    [["a.example.com.."], "/", /malformed Host/],
    [[], "/", /missing Host/],
    [["a.example.com"], "http://b.example.com/", /disagrees/],
    [["a.example.com:81"], "http://a.example.com/", /disagrees/],
    [["a.example.com"], "http://u@a.example.com/", /malformed request target/],
    [["a.example.com"], "a.example.com:80", /malformed request target/],
  ] as const)("refuses %j %s", (hosts, target, reason) => {
    const r = d([...hosts], target);
    expect(r.kind).toBe("bad");
    expect(r.kind === "bad" && r.reason).toMatch(reason);
  });

  it("an absolute-form target names the target and is forwarded in origin form", () => {
    expect(d(["a.example.com:80"], "http://A.example.com/p?q=1")).toMatchObject({
      kind: "ingress",
      name: "a",
      path: "/p?q=1",
    });
    expect(d([], "http://a.example.com?q=1")).toMatchObject({ kind: "ingress", path: "/?q=1" });
    expect(d(["a.example.com:443"], "https://a.example.com")).toMatchObject({ kind: "ingress", path: "/" });
  });

  it("HTTP/1.0 without Host goes to the API; asterisk-form is kept", () => {
    expect(d([], "/", "1.0")).toMatchObject({ kind: "api", host: "" });
    expect(d(["a.example.com"], "*")).toMatchObject({ kind: "ingress", path: "*" });
  });
});

describe("parseCidrs", () => {
  it("matches addresses, CIDRs, IPv6 and IPv4-mapped peers", () => {
    const list = parseCidrs(" 10.0.0.0/8, 127.0.0.1 ,::1, fd00::/8");
    for (const ip of ["10.1.2.3", "127.0.0.1", "::ffff:127.0.0.1", "::1", "fd00::5"])
      expect(list.contains(ip)).toBe(true);
    for (const ip of ["11.0.0.1", "127.0.0.2", "::2", "", "junk"]) expect(list.contains(ip)).toBe(false);
    expect(parseCidrs("").contains("127.0.0.1")).toBe(false);
  });

  it.each(["10.0.0.0/33", "::1/129", "host.example", "10.0.0.1/8/1", "10.0.0.0/x", "10.0.0.0/"])(
    "refuses %s",
    (bad) => {
      expect(() => parseCidrs(bad)).toThrow(/is not an IP address or CIDR/);
    },
  );
});
