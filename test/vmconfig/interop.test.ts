/** The edited definitions checked by tools and readers that share no code with p2vfix. */
import { readFileSync, writeFileSync } from "node:fs";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { cli, fixtureBytes, freshCopy, readKeyValues } from "./fixture.js";

function wellFormed(xml: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== "warning" && errors.push(msg)) }).parseFromString(xml, "text/xml");
  expect(errors).toEqual([]);
  return doc;
}

describe.skipIf(!toolsAvailable("virt-xml-validate", "xmllint"))("libvirt: virt-xml-validate", () => {
  it("accepts the original, the unplugged and the re-plugged domain", async () => {
    const path = freshCopy("fs01-p2v.xml");
    const validate = (): void => {
      const r = runTool("virt-xml-validate", [path, "domain"]);
      expect(r.status, `${r.stdout.toString()} ${r.stderr}`).toBe(0);
    };
    validate();
    expect((await cli("vm", "unplug", path, "--all", "--no-backup")).code).toBe(0);
    validate();
    const doc = wellFormed(readFileSync(path, "utf8"));
    const links = Array.from(doc.getElementsByTagName("link") as Iterable<Element>).map((l) => l.getAttribute("state"));
    expect(links).toEqual(["down", "down"]);
    expect((await cli("vm", "plug", path, "--nic", "0", "--no-backup")).code).toBe(0);
    validate();
  });

  it("rejects a broken domain, so the check can fail", () => {
    const path = freshCopy("fs01-p2v.xml");
    writeFileSync(path, readFileSync(path, "utf8").replace("<link state='up'/>", "<link state='sideways'/>"));
    expect(runTool("virt-xml-validate", [path, "domain"]).status).not.toBe(0);
  });
});

describe(".vmx and Proxmox read back by an independent key/value reader", () => {
  it(".vmx: unplugged NICs have startConnected FALSE, everything else unchanged, CRLF kept", async () => {
    const path = freshCopy("FS01-p2v.vmx");
    const before = readKeyValues(fixtureBytes("FS01-p2v.vmx").toString("latin1"), "=");
    expect((await cli("vm", "unplug", path, "--all", "--no-backup")).code).toBe(0);
    const text = readFileSync(path, "latin1");
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
    const after = readKeyValues(text, "=");
    expect(after.get("ethernet0.startconnected")).toBe("FALSE");
    expect(after.get("ethernet1.startconnected")).toBe("FALSE");
    expect(after.get("ethernet2.startconnected")).toBeUndefined();
    for (const [k, v] of before) if (!k.endsWith("startconnected")) expect(after.get(k)).toBe(v);
    expect(after.size).toBe(before.size + 1);
    const vm = openVmConfig(path);
    expect(vm.nics().map((n) => n.connected)).toEqual([false, false]);
  });

  it("Proxmox: link_down=1 on the current config only; the snapshot section is untouched", async () => {
    const path = freshCopy("101.conf");
    const original = fixtureBytes("101.conf").toString("latin1");
    expect((await cli("vm", "unplug", path, "--nic", "1", "--no-backup")).code).toBe(0);
    const text = readFileSync(path, "latin1");
    const kv = readKeyValues(text, ":");
    expect(kv.get("net1")).toBe("e1000=BC:24:11:5E:7A:02,bridge=vmbr1,tag=20,link_down=1");
    expect(kv.get("net0")).toBe("virtio=BC:24:11:5E:7A:01,bridge=vmbr0,firewall=1");
    const snapshot = (t: string): string => t.slice(t.indexOf("[pre-firstboot]"));
    expect(snapshot(text)).toBe(snapshot(original));
    const live = (await cli("vm", "show", path, "--json")).stdout;
    expect(JSON.parse(live).nics[1].connected).toBe(false);
  });
});

describe("OVF and VirtualBox results are well-formed XML", () => {
  it("OVF: AutomaticAllocation false in schema order (before Connection)", async () => {
    const path = freshCopy("FS01-p2v.ovf");
    expect((await cli("vm", "unplug", path, "--all", "--no-backup")).code).toBe(0);
    const doc = wellFormed(readFileSync(path, "utf8"));
    const items = Array.from(doc.getElementsByTagName("Item") as Iterable<Element>).filter((i) => i.getElementsByTagName("rasd:ResourceType")[0]?.textContent === "10");
    expect(items).toHaveLength(2);
    for (const item of items) {
      const names = Array.from(item.childNodes as Iterable<Element>).filter((n) => n.nodeType === 1).map((n) => (n as Element).tagName);
      expect(item.getElementsByTagName("rasd:AutomaticAllocation")[0]?.textContent).toBe("false");
      expect(names.indexOf("rasd:AutomaticAllocation")).toBeLessThan(names.indexOf("rasd:Connection"));
    }
  });

  it("VirtualBox: cable=\"false\" on the adapter", async () => {
    const path = freshCopy("FS01-p2v.vbox");
    expect((await cli("vm", "unplug", path, "--nic", "0", "--no-backup")).code).toBe(0);
    const doc = wellFormed(readFileSync(path, "utf8"));
    const adapters = Array.from(doc.getElementsByTagName("Adapter") as Iterable<Element>);
    expect(adapters.map((a) => a.getAttribute("cable"))).toEqual(["false", "false", null]);
    expect((await cli("vm", "plug", path, "--all", "--no-backup")).code).toBe(0);
    const plugged = wellFormed(readFileSync(path, "utf8"));
    expect(Array.from(plugged.getElementsByTagName("Adapter") as Iterable<Element>).map((a) => a.hasAttribute("cable"))).toEqual([false, false, false]);
  });
});
