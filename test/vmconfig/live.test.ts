/** Running VMs and Hyper-V: the hypervisor's own command instead of a file edit. */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { cli, fixtureBytes, freshCopy } from "./fixture.js";

describe("running VMware VM (.lck folder next to the .vmx)", () => {
  it("prints vmrun commands and refuses to edit; --force edits", async () => {
    const path = freshCopy("FS01-p2v.vmx");
    mkdirSync(join(dirname(path), "FS01-p2v.vmx.lck"));
    expect(openVmConfig(path).running()).toMatchObject({ running: true });
    const r = await cli("vm", "unplug", path, "--nic", "1");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("running");
    expect(r.stdout).toBe(`vmrun -T ws disconnectNamedDevice ${path} ethernet1\n`);
    expect(readFileSync(path).equals(fixtureBytes("FS01-p2v.vmx"))).toBe(true);
    const forced = await cli("vm", "unplug", path, "--nic", "1", "--force", "--no-backup");
    expect(forced.code, forced.stderr).toBe(0);
    expect(openVmConfig(path).nics()[1]?.connected).toBe(false);
  });
});

describe("live commands", () => {
  it("libvirt: virsh domif-setlink DOMAIN MAC down|up", () => {
    const vm = openVmConfig(freshCopy("fs01-p2v.xml"));
    expect(vm.running().running).toBe("unknown");
    expect(vm.liveCommand({ all: true }, false)).toEqual([
      "virsh domif-setlink fs01-p2v 52:54:00:6b:3c:58 down",
      "virsh domif-setlink fs01-p2v 52:54:00:aa:01:02 down",
    ]);
  });

  it("Proxmox: qm set VMID --netN with the full value and link_down", () => {
    const vm = openVmConfig(freshCopy("101.conf"));
    expect(vm.liveCommand({ nic: 0 }, false)).toEqual(["qm set 101 --net0 virtio=BC:24:11:5E:7A:01,bridge=vmbr0,firewall=1,link_down=1"]);
    expect(vm.liveCommand({ mac: "bc:24:11:5e:7a:02" }, true)).toEqual(["qm set 101 --net1 e1000=BC:24:11:5E:7A:02,bridge=vmbr1,tag=20"]);
  });

  it("VirtualBox: controlvm numbers NICs from 1", () => {
    const vm = openVmConfig(freshCopy("FS01-p2v.vbox"));
    expect(vm.liveCommand({ nic: 1 }, true)).toEqual(["VBoxManage controlvm FS01-p2v setlinkstate2 on"]);
  });
});

describe("Hyper-V: Get-VMNetworkAdapter | ConvertTo-Json export (UTF-16LE, as PowerShell 5.1 writes it)", () => {
  it("lists adapters and drives", () => {
    const vm = openVmConfig(freshCopy("FS01-p2v-hyperv.json"));
    expect(vm.hypervisor).toBe("hyperv");
    expect(vm.editable).toBe(false);
    expect(vm.nics()).toMatchObject([
      { index: 0, mac: "00:15:5d:01:0a:02", network: "External vSwitch", connected: true, model: "synthetic" },
      { index: 1, mac: "00:15:5d:01:0a:03", connected: false, model: "legacy" },
    ]);
    expect(vm.controllers()).toEqual([{ id: "scsi0", type: "hyperv-scsi", model: "SCSI" }]);
  });

  it("unplug and plug print PowerShell, pick the adapter by MAC, and write nothing", async () => {
    const path = freshCopy("FS01-p2v-hyperv.json");
    const un = await cli("vm", "unplug", path, "--nic", "0");
    expect(un.code).toBe(0);
    expect(un.stdout).toBe("Get-VMNetworkAdapter -VMName 'FS01-p2v' | Where-Object MacAddress -eq '00155D010A02' | Disconnect-VMNetworkAdapter\n");
    const noSwitch = await cli("vm", "plug", path, "--nic", "1");
    expect(noSwitch.code).toBe(2);
    expect(noSwitch.stderr).toContain("--switch");
    const plug = await cli("vm", "plug", path, "--nic", "1", "--switch", "Lab's switch");
    expect(plug.stdout).toBe("Get-VMNetworkAdapter -VMName 'FS01-p2v' | Where-Object MacAddress -eq '00155D010A03' | Connect-VMNetworkAdapter -SwitchName 'Lab''s switch'\n");
    expect(readFileSync(path).equals(fixtureBytes("FS01-p2v-hyperv.json"))).toBe(true);
  });
});

describe("where the definition itself shows the state", () => {
  it("libvirt: a dump of a running domain (<domain id=...>) is refused with the virsh command", async () => {
    const path = freshCopy("fs01-p2v.xml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, readFileSync(path, "latin1").replace("<domain type='kvm'>", "<domain type='kvm' id='7'>"), "latin1");
    expect(openVmConfig(path).running()).toMatchObject({ running: true });
    const r = await cli("vm", "unplug", path, "--nic", "1");
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("virsh domif-setlink fs01-p2v 52:54:00:aa:01:02 down\n");
  });

  it("Proxmox: a [PENDING] change to the NIC is refused, naming its line", async () => {
    const path = freshCopy("101.conf");
    const { appendFileSync } = await import("node:fs");
    appendFileSync(path, "\n[PENDING]\nnet0: virtio=BC:24:11:5E:7A:01,bridge=vmbr2\n");
    const r = await cli("vm", "unplug", path, "--nic", "0");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("line 38: a pending change to net0");
    expect((await cli("vm", "unplug", path, "--nic", "1", "--no-backup")).code).toBe(0);
  });
});
