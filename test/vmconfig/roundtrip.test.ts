import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { cli, fixtureBytes, freshCopy } from "./fixture.js";

const FILES = ["FS01-p2v.vmx", "fs01-p2v.xml", "101.conf", "FS01-p2v.vbox", "FS01-p2v.ovf"];

describe.each(FILES)("%s: show, unplug, show, plug", (name) => {
  it("gives back the original bytes for every NIC, connected or not", async () => {
    const path = freshCopy(name);
    const original = fixtureBytes(name);
    const nics = openVmConfig(path).nics();
    expect(nics.length).toBeGreaterThanOrEqual(2);
    for (const nic of nics) {
      const [first, second] = nic.connected ? ["unplug", "plug"] : ["plug", "unplug"];
      expect((await cli("vm", "show", path, "--json")).code).toBe(0);
      const r1 = await cli("vm", first, path, "--nic", String(nic.index), "--no-backup");
      expect(r1.code, r1.stderr).toBe(0);
      const shown = JSON.parse((await cli("vm", "show", path, "--json")).stdout) as { nics: Array<{ index: number; connected: boolean }> };
      expect(shown.nics.find((n) => n.index === nic.index)?.connected).toBe(!nic.connected);
      // The other NICs keep their state.
      for (const other of nics.filter((n) => n.index !== nic.index)) {
        expect(shown.nics.find((n) => n.index === other.index)?.connected).toBe(other.connected);
      }
      expect(readFileSync(path).equals(original)).toBe(false);
      const r2 = await cli("vm", second, path, "--nic", String(nic.index), "--no-backup");
      expect(r2.code, r2.stderr).toBe(0);
      expect(readFileSync(path).equals(original), `${name} NIC ${nic.index}`).toBe(true);
    }
  });

  it("unplugs by MAC, keeps a backup, and unplug --all leaves every NIC disconnected", async () => {
    const path = freshCopy(name);
    const original = fixtureBytes(name);
    const withMac = openVmConfig(path).nics().find((n) => n.mac && n.connected);
    if (withMac?.mac) {
      const r = await cli("vm", "unplug", path, "--mac", withMac.mac.toUpperCase().replace(/:/g, "-"));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("unplugged");
      expect(readFileSync(`${path}.bak`).equals(original)).toBe(true);
      expect(openVmConfig(path).nics().find((n) => n.mac === withMac.mac)?.connected).toBe(false);
    }
    expect((await cli("vm", "unplug", path, "--all")).code).toBe(0);
    expect(openVmConfig(path).nics().every((n) => !n.connected)).toBe(true);
    // A second unplug changes nothing.
    const before = readFileSync(path);
    const again = await cli("vm", "unplug", path, "--all", "--json");
    expect(JSON.parse(again.stdout).changed).toEqual([]);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("asks which NIC when there are several and none is named, and names a missing one", async () => {
    const path = freshCopy(name);
    const r = await cli("vm", "unplug", path);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ambiguous-nic");
    const missing = await cli("vm", "unplug", path, "--nic", "31");
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain("no NIC 31");
    expect(readFileSync(path).equals(fixtureBytes(name))).toBe(true);
  });
});
