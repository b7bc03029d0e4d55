/**
 * The model on the real SYSTEM hives of the corpus (XP/2003, 7, 8.x dirty, 10), compared with
 * an independent read by hivex: `hivexregedit --export` of the same keys (parsed here with a
 * few lines of direct decoding, not with the model) and `hivexsh ls` for the services count.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../src/errors.js";
import { parseRegFile, type RegFileOp } from "../../src/regf/import/reg-file.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { InspectReport } from "../../src/windows/schema.js";
import { corpusFile, hasCorpus } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";

const NET = "{4D36E972-E325-11CE-BFC1-08002BE10318}";
const scenariosDir = resolve(import.meta.dirname, "../fixtures/scenarios");

const hives = [
  { rel: "hives/dfwinreg/SYSTEM", hostname: "iecompatvhd", computerName: "IECOMPATVHD", lastKnownGood: 3 },
  { rel: "hives/regipy/SYSTEM.xz", hostname: "WKS-WIN732BITA", computerName: "WKS-WIN732BITA", lastKnownGood: 2 },
  { rel: "hives/regipy/SYSTEM_2.xz", hostname: "sensei", computerName: "SENSEI", lastKnownGood: 1 },
  { rel: "hives/dissect.regf/SYSTEM.gz", hostname: "DESKTOP-M3OSHQU", computerName: "DESKTOP-M3OSHQU", lastKnownGood: 1 },
];

/** hivexregedit's export of one key (recursively), as .reg operations. */
function hivexExport(file: string, key: string): RegFileOp[] {
  const r = runTool("hivexregedit", ["--export", file, key]);
  if (r.status !== 0) throw new Error(`hivexregedit --export ${key}: ${r.stderr}`);
  return parseRegFile(r.stdout.toString("utf8"), "hivexregedit").ops;
}

function utf16z(data: Uint8Array): string {
  const s = Buffer.from(data).toString("utf16le");
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

function multi(data: Uint8Array): string[] {
  return Buffer.from(data).toString("utf16le").split("\0").filter((x) => x !== "");
}

/** key path (upper-case, relative to `base`) -> value name (upper-case) -> op. */
function byKey(ops: RegFileOp[], base: string): Map<string, Map<string, Extract<RegFileOp, { kind: "value" }>>> {
  const out = new Map<string, Map<string, Extract<RegFileOp, { kind: "value" }>>>();
  const prefix = base.toUpperCase();
  for (const op of ops) {
    if (op.kind !== "key" && op.kind !== "value") continue;
    const path = (op.kind === "key" ? op.path : op.keyPath).toUpperCase();
    const rel = path === prefix ? "" : path.startsWith(prefix + "\\") ? path.slice(prefix.length + 1) : undefined;
    if (rel === undefined) continue;
    if (!out.has(rel)) out.set(rel, new Map());
    if (op.kind === "value") out.get(rel)!.set(op.name.toUpperCase(), op);
  }
  return out;
}

const ready = hasCorpus() && toolsAvailable("hivexregedit", "hivexsh", "hivexget");

describe.skipIf(!ready)("real SYSTEM hives: model vs hivex", () => {
  for (const h of hives) {
    it(`${h.rel}: control set, hostname, services, adapters and TCP/IP match hivex`, async () => {
      const file = await corpusFile(h.rel);
      const loaded = loadWindows(file, { useLogs: false });
      const r = inspectWindows(loaded.hives);
      expect(() => InspectReport.parse(r)).not.toThrow();
      // The only unknown section of a SYSTEM-only read is SOFTWARE.
      expect(r.unknown.map((u) => u.section)).toEqual(["software"]);
      // The 8.x hive is dirty and comes without logs: the report says the view may be stale.
      if (h.rel.includes("SYSTEM_2")) expect(r.sources.warnings.join("\n")).toMatch(/dirty.*205\/204.*stale/);
      else expect(r.sources.warnings).toEqual([]);

      // Control set from Select\Default.
      const select = byKey(hivexExport(file, "\\Select"), "\\Select").get("")!;
      const def = Buffer.from(select.get("DEFAULT")!.data).readUInt32LE(0);
      const ccs = `ControlSet${String(def).padStart(3, "0")}`;
      expect(r.controlSets.resolved).toBe(ccs);
      expect(r.controlSets.lastKnownGood).toBe(h.lastKnownGood);

      // Hostname and computer name.
      const tcpipParams = byKey(hivexExport(file, `\\${ccs}\\Services\\Tcpip\\Parameters`), `\\${ccs}\\Services\\Tcpip\\Parameters`);
      expect(r.installation.hostname).toBe(utf16z(tcpipParams.get("")!.get("HOSTNAME")!.data));
      expect(r.installation.hostname).toBe(h.hostname);
      expect(r.installation.computerName).toBe(h.computerName);

      // Services count: hivexsh lists the subkeys of Services.
      const ls = runTool("hivexsh", [file], { input: `cd \\${ccs}\\Services\nls\n` });
      const names = ls.stdout.toString("utf8").split("\n").filter((l) => l.length > 0);
      expect(r.services.count).toBe(names.length);
      expect(r.services.items.map((s) => s.name).sort()).toEqual([...names].sort());

      // Network adapters: class instance keys with their NetCfgInstanceId and DriverDesc.
      const classBase = `\\${ccs}\\Control\\Class\\${NET}`;
      const classKeys = byKey(hivexExport(file, classBase), classBase);
      const expected = [...classKeys.entries()]
        .filter(([rel]) => /^\d{4}$/.test(rel))
        .map(([rel, values]) => ({
          classKey: rel,
          netCfgInstanceId: values.has("NETCFGINSTANCEID") ? utf16z(values.get("NETCFGINSTANCEID")!.data) : null,
          driverDesc: values.has("DRIVERDESC") ? utf16z(values.get("DRIVERDESC")!.data) : null,
        }));
      expect(r.network.adapters.map((a) => ({ classKey: a.classKey, netCfgInstanceId: a.netCfgInstanceId, driverDesc: a.driverDesc }))).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);

      // TCP/IP of every adapter that has an interface key.
      const ifBase = `\\${ccs}\\Services\\Tcpip\\Parameters\\Interfaces`;
      const ifaces = byKey(hivexExport(file, ifBase), ifBase);
      let compared = 0;
      for (const a of r.network.adapters) {
        const values = a.netCfgInstanceId ? ifaces.get(a.netCfgInstanceId.toUpperCase()) : undefined;
        if (!values) continue;
        compared++;
        const dhcp = values.get("ENABLEDHCP");
        expect(a.tcpip!.dhcp).toBe(dhcp ? Buffer.from(dhcp.data).readUInt32LE(0) !== 0 : null);
        const ips = values.has("IPADDRESS") ? multi(values.get("IPADDRESS")!.data).filter((x) => x !== "0.0.0.0") : [];
        expect(a.tcpip!.addresses.map((x) => x.address)).toEqual(ips);
        const gws = values.has("DEFAULTGATEWAY") ? multi(values.get("DEFAULTGATEWAY")!.data).filter((x) => x !== "0.0.0.0") : [];
        expect(a.tcpip!.gateways.map((x) => x.address)).toEqual(gws);
        const ns = values.has("NAMESERVER") ? utf16z(values.get("NAMESERVER")!.data).split(/[\s,]+/).filter(Boolean) : [];
        expect(a.tcpip!.dnsServers).toEqual(ns);
        const lease = values.get("DHCPIPADDRESS");
        expect(a.tcpip!.dhcpLease?.address ?? null).toBe(lease ? utf16z(lease.data) : null);
      }
      expect(compared).toBeGreaterThan(0);
    });
  }

  it("Windows 7 sample: the NSI store carries both static addresses (reference 4.2)", async () => {
    const r = inspectWindows(loadWindows(await corpusFile("hives/regipy/SYSTEM.xz"), { useLogs: false }).hives);
    const nsi = r.network.adapters.flatMap((a) => a.tcpip?.nsi.ipv4.map((n) => `${a.netLuidIndex}:${n.address}`) ?? []);
    expect(nsi.sort()).toEqual(["6:192.168.1.123", "7:10.3.58.5"]);
    expect(r.network.adapters.flatMap((a) => a.tcpip?.nsi.routes.map((x) => x.nextHop) ?? []).sort()).toEqual(["10.3.58.1", "192.168.1.1"]);
    // Two physical Intel NICs with static IPs, a VMware guest with McAfee: the findings say so.
    const inspected = inspectWindows(loadWindows(await corpusFile("hives/regipy/SYSTEM.xz"), { useLogs: false }).hives, { target: "hyperv" });
    expect(inspected.findings.map((f) => f.id).sort()).toEqual(["backup-av-agent", "crash-auto-reboot", "hypervisor-tools", "ncsi-active-probing", "stale-static-ip"]);
  });

  it("real BCD store (regipy, UEFI): default loader and timeout match hivexget", async () => {
    const bcdFile = await corpusFile("hives/regipy/BCD.xz");
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-bcd-"));
    try {
      copyFileSync(join(scenariosDir, "win10-hyperv-guest", "SYSTEM.reg"), join(dir, "SYSTEM.reg"));
      copyFileSync(bcdFile, join(dir, "BCD"));
      const r = inspectWindows(loadWindows(dir, { useLogs: false }).hives);
      const get = (key: string) => runTool("hivexget", [bcdFile, key, "Element"]).stdout.toString("utf8").trim();
      const bootmgr = "\\Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\\Elements";
      const guid = get(`${bootmgr}\\23000003`);
      expect(r.bcd!.defaultLoader).toEqual({
        guid,
        description: get(`\\Objects\\${guid}\\Elements\\12000004`),
        path: get(`\\Objects\\${guid}\\Elements\\12000002`),
        systemRoot: get(`\\Objects\\${guid}\\Elements\\22000002`),
      });
      expect(r.bcd!.firmware).toBe("uefi");
      expect(r.bcd!.resumeObject).toBe(get(`${bootmgr}\\23000006`));
      expect(r.bcd!.timeout).toBe(30);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("corrupted XP-era hive: a report with unknown sections or a typed error, never a crash", async () => {
    const file = await corpusFile("hives/regipy/corrupted_system_hive.xz");
    try {
      const r = inspectWindows(loadWindows(file, { useLogs: false }).hives, { target: "hyperv" });
      expect(() => InspectReport.parse(r)).not.toThrow();
    } catch (err) {
      expect(err).toBeInstanceOf(P2vfixError);
    }
  });
});
