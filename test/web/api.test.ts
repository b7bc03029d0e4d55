/**
 * The console's API over real HTTP on a copy of the demo image: the token, Host and origin
 * checks, requests that name something outside the target, staged edits becoming the plan's
 * diff, read-only mode, and two clients applying at once.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writerLockPath } from "../../src/apply/locks.js";
import { cli, client, demoCopy, jobEnd, openConsole, raw, sha256, useDemoConsole } from "./console-fixture.js";

const TCPIP = "ControlSet001\\Services\\Tcpip\\Parameters";

describe("console API", () => {
  const demo = useDemoConsole({ beforeAll, afterAll });

  it("prints a URL on 127.0.0.1 with a long random token", () => {
    expect(demo.c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(demo.c.server.address()).toMatchObject({ address: "127.0.0.1" });
  });

  it("answers 401 to every request without the token, or with a wrong one", async () => {
    for (const path of ["/", "/app.js", "/app.css", "/api/overview", "/api/key?hive=SYSTEM&path=Select", "/api/export?hive=SYSTEM&path=Select"]) {
      expect((await raw(demo.c.port, "GET", path)).status, path).toBe(401);
      expect((await raw(demo.c.port, "GET", path, { "X-P2vfix-Token": demo.c.token.slice(1) })).status, path).toBe(401);
      expect((await raw(demo.c.port, "GET", path, { Cookie: `p2vfix_${demo.c.port}=${demo.c.token}x` })).status, path).toBe(401);
    }
    expect((await raw(demo.c.port, "POST", "/api/edits", { "X-P2vfix-Request": "1" }, { op: "create-key", hive: "SYSTEM", key: "X" })).status).toBe(401);
    expect((await raw(demo.c.port, "GET", "/?token=wrong")).status).toBe(401);
    expect((await demo.api.get("/api/overview")).status).toBe(200);
  });

  it("turns the URL's token into an HttpOnly cookie and drops it from the address", async () => {
    const first = await raw(demo.c.port, "GET", `/?token=${demo.c.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    const cookie = String(first.headers["set-cookie"]).split(";")[0];
    expect(String(first.headers["set-cookie"])).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await raw(demo.c.port, "GET", "/", { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/app.js">');
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'/);
  });

  it("refuses a Host header other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding)", async () => {
    const token = { "X-P2vfix-Token": demo.c.token };
    expect((await raw(demo.c.port, "GET", "/api/overview", { ...token, Host: `attacker.example:${demo.c.port}` })).status).toBe(403);
    expect((await raw(demo.c.port, "GET", "/api/overview", { ...token, Host: "127.0.0.1:1" })).status).toBe(403);
    expect((await raw(demo.c.port, "GET", "/api/overview", { ...token, Host: `localhost:${demo.c.port}` })).status).toBe(200);
  });

  it("refuses writes from another origin or without the console's request header", async () => {
    const edit = { op: "create-key", hive: "SYSTEM", key: "CrossOrigin" };
    const token = { "X-P2vfix-Token": demo.c.token };
    expect((await raw(demo.c.port, "POST", "/api/edits", { ...token, "X-P2vfix-Request": "1", Origin: "http://attacker.example" }, edit)).status).toBe(403);
    expect((await raw(demo.c.port, "POST", "/api/edits", { ...token, "X-P2vfix-Request": "1", "Sec-Fetch-Site": "cross-site" }, edit)).status).toBe(403);
    expect((await raw(demo.c.port, "POST", "/api/edits", token, edit)).status).toBe(403);
    expect((await demo.api.get("/api/plan")).json.edits).toEqual([]);
  });

  it("refuses requests for paths outside the opened target", async () => {
    const token = { "X-P2vfix-Token": demo.c.token };
    for (const path of ["/../package.json", "/%2e%2e/%2e%2e/package.json", "/..%2f..%2fpackage.json", "/app.js/../../package.json", `/${encodeURIComponent(demo.image)}`, "/etc/passwd"]) {
      const r = await raw(demo.c.port, "GET", path, token);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('"name": "p2vfix"');
    }
    for (const hive of ["../../../etc/passwd", "/etc/passwd", demo.image, `${demo.image}:SYSTEM`]) {
      const r = await demo.api.get(`/api/key?hive=${encodeURIComponent(hive)}&path=`);
      expect(r.status, hive).toBe(400);
      expect(r.json.error.code).toBe("hive-not-found");
    }
    expect((await demo.api.get(`/api/export?hive=SYSTEM&path=${encodeURIComponent("..\\..\\etc")}`)).status).toBe(404);
    expect((await demo.api.post("/api/edits", { op: "set-value", hive: "/tmp/x", key: "A", name: "b", type: "REG_SZ", data: "c" })).status).toBe(400);
    // BCD and the other hives are shown, but apply writes only SYSTEM and SOFTWARE in images.
    expect((await demo.api.post("/api/edits", { op: "create-key", hive: "BCD", key: "X" })).json.error?.code ?? "no-bcd").toMatch(/hive-read-only|hive-not-found|no-bcd/);
  });

  it("stages edits as plan changes, shows them in the diff, and removes them", async () => {
    const set = await demo.api.post("/api/edits", { op: "set-value", hive: "SYSTEM", key: TCPIP, name: "ICSDomain", type: "REG_SZ", data: "api.test" });
    expect(set.status).toBe(201);
    expect((await demo.api.post("/api/edits", { op: "service-start", service: "CIMnotify", start: 4 })).status).toBe(201);
    expect((await demo.api.post("/api/edits", { op: "set-value", hive: "SYSTEM", key: TCPIP, name: "x", type: "REG_DWORD", data: "nope" })).status).toBe(400);
    const view = await demo.api.get(`/api/key?hive=SYSTEM&path=${encodeURIComponent(TCPIP)}`);
    expect(view.json.values.find((v: { name: string }) => v.name === "ICSDomain").data).toBe("api.test");
    const plan = (await demo.api.get("/api/plan")).json;
    const mine = plan.diff.entries.filter((e: { fixup: string }) => e.fixup === "console");
    expect(mine).toEqual([
      expect.objectContaining({ key: TCPIP, name: "ICSDomain", before: 'REG_SZ "mshome.net"', after: 'REG_SZ "api.test"' }),
      expect.objectContaining({ key: "ControlSet001\\Services\\CIMnotify", name: "Start", before: "REG_DWORD 0x00000003 (3)", after: "REG_DWORD 0x00000004 (4)" }),
    ]);
    expect((await demo.api.del(`/api/edits/${set.json.edit.id}`)).status).toBe(200);
    expect((await demo.api.get("/api/plan")).json.edits.map((e: { label: string }) => e.label)).toEqual(["CIMnotify: Start 3 → 4"]);
    expect((await demo.api.del("/api/edits")).status).toBe(200);
    expect(sha256(demo.image)).toBe(demo.original);
  });

  it("lets one of two clients applying at once write; the other is refused; undo restores the SHA-256", async () => {
    await demo.api.post("/api/edits", { op: "set-value", hive: "SYSTEM", key: TCPIP, name: "ICSDomain", type: "REG_SZ", data: "two.clients" });
    const { revision } = (await demo.api.get("/api/plan")).json;
    const other = client(demo.c);
    const [a, b] = await Promise.all([demo.api.post("/api/apply", { revision }), other.post("/api/apply", { revision })]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const refused = a.status === 409 ? a : b;
    expect(refused.json.error.code).toMatch(/^(busy|plan-changed)$/);
    const job = await jobEnd(demo.api);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe("done");
    // Once done, a stale page applying the old revision is refused too, and nothing changes.
    const written = sha256(demo.image);
    expect((await other.post("/api/apply", { revision })).status).toBe(409);
    expect(sha256(demo.image)).toBe(written);
    expect(written).not.toBe(demo.original);
    expect(readdirSync(dirname(demo.image)).filter((f) => f.endsWith(".p2vfix-undo"))).toHaveLength(1);
    const got = await cli("reg", "get", `${demo.image}:SYSTEM`, TCPIP, "ICSDomain");
    expect(got.code).toBe(0);
    expect(got.stdout).toContain("two.clients");
    expect((await demo.api.post("/api/undo", {})).status).toBe(202);
    expect((await jobEnd(demo.api)).state).toBe("done");
    expect(sha256(demo.image)).toBe(demo.original);
    expect(existsSync(`${demo.image}.p2vfix.lock`)).toBe(false);
  });
});

describe("console API, image locked by another writer", () => {
  it("refuses the apply with the image lock's error and writes nothing", async () => {
    const image = demoCopy();
    const original = sha256(image);
    const c = await openConsole(image);
    // Another writer: a live process on this host (our parent) holds the lock; locks nest only within one process.
    writeFileSync(writerLockPath(image), `pid=${process.ppid}\nhost=${hostname()}\ntime=2026-01-01T00:00:00Z\n`);
    try {
      const api = client(c);
      await api.post("/api/edits", { op: "service-start", service: "CIMnotify", start: 4 });
      expect((await api.post("/api/apply", { revision: (await api.get("/api/plan")).json.revision })).status).toBe(202);
      const job = await jobEnd(api);
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("image-locked");
      expect(sha256(image)).toBe(original);
      // The staged edit survives the refusal: apply again once the other writer is done.
      expect((await api.get("/api/plan")).json.edits).toHaveLength(1);
    } finally {
      rmSync(writerLockPath(image), { force: true });
      await c.close();
    }
  });
});

describe("console API, --read-only", () => {
  it("refuses every write and reports read-only", async () => {
    const image = demoCopy();
    const original = sha256(image);
    const c = await openConsole(image, { readOnly: true });
    try {
      const api = client(c);
      expect((await api.get("/api/overview")).json.readOnly).toBe(true);
      expect((await api.get("/api/hives")).json.hives.every((h: { writable: boolean }) => !h.writable)).toBe(true);
      for (const [path, body] of [
        ["/api/edits", { op: "create-key", hive: "SYSTEM", key: "ReadOnly" }],
        ["/api/edits", { op: "service-start", service: "CIMnotify", start: 4 }],
        ["/api/fixups", { id: "ncsi", enabled: false }],
        ["/api/apply", { revision: (await api.get("/api/plan")).json.revision }],
        ["/api/undo", {}],
      ] as const) {
        const r = await api.post(path, body);
        expect(r.status, path).toBe(403);
        expect(r.json.error.code).toBe("read-only");
      }
      // Reading still works: the diff is a dry run.
      expect((await api.get("/api/plan")).json.diff.entries.length).toBeGreaterThan(0);
      expect(sha256(image)).toBe(original);
    } finally {
      await c.close();
    }
  });
});
