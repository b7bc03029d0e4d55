/**
 * The Registry Editor's operations through the API on a copy of the demo image: search, the
 * .reg export (byte for byte what `p2vfix reg export` writes), staged create / rename / delete
 * shown in the view before anything is written, and the same console on a folder of hive
 * files (written with HIVE.bak kept, no undo file).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, client, demoCopy, jobEnd, openConsole, raw, sha256, useDemoConsole } from "./console-fixture.js";

const TCPIP = "ControlSet001\\Services\\Tcpip\\Parameters";
const key = (hive: string, path: string) => `/api/key?hive=${hive}&path=${encodeURIComponent(path)}`;

describe("Registry Editor API", () => {
  const demo = useDemoConsole({ beforeAll, afterAll });

  it("lists the hives, a key's subkeys and values of every type with their bytes", async () => {
    const hives = (await demo.api.get("/api/hives")).json.hives;
    expect(hives.map((h: { name: string; writable: boolean }) => `${h.name}:${h.writable}`)).toEqual(["SYSTEM:true", "SOFTWARE:true"]);
    const root = (await demo.api.get(key("SYSTEM", ""))).json;
    expect(root.subkeys.map((s: { name: string }) => s.name)).toContain("ControlSet001");
    const select = (await demo.api.get(key("SYSTEM", "Select"))).json;
    expect(select.values.find((v: { name: string }) => v.name === "Default")).toMatchObject({ typeName: "REG_DWORD", data: 1, hex: "01000000", size: 4 });
  });

  it("finds keys, value names and data", async () => {
    const r = (await demo.api.get(`/api/search?hive=SYSTEM&q=mshome`)).json;
    expect(r.complete).toBe(true);
    expect(r.hits).toContainEqual({ hive: "SYSTEM", path: TCPIP, value: "ICSDomain", match: "data" });
    const names = (await demo.api.get(`/api/search?hive=SYSTEM&q=icsdomain`)).json.hits;
    expect(names).toContainEqual({ hive: "SYSTEM", path: TCPIP, value: "ICSDomain", match: "value-name" });
    expect((await demo.api.get(`/api/search?hive=SYSTEM&q=`)).status).toBe(400);
  });

  it("exports a key as the same .reg bytes as p2vfix reg export", async () => {
    const r = await raw(demo.c.port, "GET", `/api/export?hive=SYSTEM&path=${encodeURIComponent(TCPIP)}`, { "X-P2vfix-Token": demo.c.token });
    expect(r.status).toBe(200);
    expect(r.headers["content-disposition"]).toBe('attachment; filename="SYSTEM-Parameters.reg"');
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-console-export-"));
    const out = join(dir, "cli.reg");
    expect((await cli("reg", "export", `${demo.image}:SYSTEM`, TCPIP, "-o", out, "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM")).code).toBe(0);
    const bytes = await new Promise<Buffer>((ok, fail) => {
      // The raw helper decodes UTF-8; fetch the bytes again as they are.
      fetch(`http://127.0.0.1:${demo.c.port}/api/export?hive=SYSTEM&path=${encodeURIComponent(TCPIP)}`, { headers: { "X-P2vfix-Token": demo.c.token } })
        .then((res) => res.arrayBuffer())
        .then((b) => ok(Buffer.from(b)), fail);
    });
    expect(bytes.equals(readFileSync(out))).toBe(true);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
  });

  it("shows staged key and value renames, creations and deletions before anything is written", async () => {
    const base = "ControlSet001\\Services\\Tcpip";
    expect((await demo.api.post("/api/edits", { op: "rename-key", hive: "SYSTEM", key: `${base}\\Parameters`, newName: "Parameters2" })).status).toBe(201);
    const moved = (await demo.api.get(key("SYSTEM", `${base}\\Parameters2`))).json;
    const before = demo.c.session.originalHive("SYSTEM").hive.key(`${base}\\Parameters`)!;
    expect(moved.values.map((v: { name: string; hex: string }) => `${v.name}=${v.hex}`).sort()).toEqual(
      before.values().map((v) => `${v.name}=${Buffer.from(v.data()).toString("hex")}`).sort(),
    );
    expect(moved.subkeys.map((s: { name: string }) => s.name)).toEqual(["Interfaces"]);
    expect((await demo.api.get(key("SYSTEM", `${base}\\Parameters`))).status).toBe(404);
    expect((await demo.api.post("/api/edits", { op: "rename-value", hive: "SYSTEM", key: `${base}\\Parameters2`, name: "ICSDomain", newName: "ICS" })).status).toBe(201);
    expect((await demo.api.post("/api/edits", { op: "create-key", hive: "SOFTWARE", key: "Contoso\\Migration" })).status).toBe(201);
    expect((await demo.api.post("/api/edits", { op: "set-value", hive: "SOFTWARE", key: "Contoso\\Migration", name: "Blob", type: 3, data: "00ff10" })).status).toBe(201);
    expect((await demo.api.post("/api/edits", { op: "delete-value", hive: "SYSTEM", key: "Select", name: "Failed" })).status).toBe(201);
    const p2 = (await demo.api.get(key("SYSTEM", `${base}\\Parameters2`))).json.values.map((v: { name: string }) => v.name);
    expect(p2).toContain("ICS");
    expect(p2).not.toContain("ICSDomain");
    expect((await demo.api.get(key("SOFTWARE", "Contoso\\Migration"))).json.values).toEqual([expect.objectContaining({ name: "Blob", typeName: "REG_BINARY", hex: "00ff10", data: null })]);
    expect((await demo.api.get(key("SYSTEM", "Select"))).json.values.map((v: { name: string }) => v.name)).not.toContain("Failed");
    // Refused edits: existing names, the root, unknown values.
    expect((await demo.api.post("/api/edits", { op: "rename-key", hive: "SYSTEM", key: "Select", newName: "Setup" })).json.error.code).toBe("key-exists");
    expect((await demo.api.post("/api/edits", { op: "delete-key", hive: "SYSTEM", key: "" })).status).toBe(400);
    expect((await demo.api.post("/api/edits", { op: "rename-value", hive: "SYSTEM", key: "Select", name: "Nope", newName: "X" })).json.error.code).toBe("value-not-found");
    const diff = (await demo.api.get("/api/plan")).json.diff.entries.filter((e: { fixup: string }) => e.fixup === "console");
    expect(diff.some((e: { action: string; key: string }) => e.action === "delete-key" && e.key === `${base}\\Parameters`)).toBe(true);
    expect(sha256(demo.image)).toBe(demo.original);
    expect((await demo.api.del("/api/edits")).status).toBe(200);
    expect((await demo.api.get(key("SYSTEM", `${base}\\Parameters`))).status).toBe(200);
  });
});

describe("console on a folder of hive files", () => {
  it("applies to the hive files, keeps HIVE.bak, and offers no undo file", async () => {
    const image = demoCopy();
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-console-hives-"));
    expect((await cli("cp", `${image}:SYSTEM`, join(dir, "SYSTEM"))).code).toBe(0);
    expect((await cli("cp", `${image}:SOFTWARE`, join(dir, "SOFTWARE"))).code).toBe(0);
    const c = await openConsole(dir);
    try {
      const api = client(c);
      expect((await api.get("/api/overview")).json.isImage).toBe(false);
      await api.post("/api/edits", { op: "set-value", hive: "SYSTEM", key: TCPIP, name: "ICSDomain", type: "REG_SZ", data: "hive.files" });
      expect((await api.post("/api/apply", { revision: (await api.get("/api/plan")).json.revision })).status).toBe(202);
      const job = await jobEnd(api);
      expect(job.state).toBe("done");
      expect(job.messages.some((m) => m.startsWith("original kept:"))).toBe(true);
      expect(existsSync(join(dir, "SYSTEM.bak"))).toBe(true);
      expect((await cli("reg", "get", join(dir, "SYSTEM"), TCPIP, "ICSDomain")).stdout).toContain("hive.files");
      const undo = await api.post("/api/undo", {});
      expect(undo.status).toBe(409);
      expect(undo.json.error.code).toBe("undo-unavailable");
    } finally {
      await c.close();
    }
  });
});
