/**
 * VM-definition parsers fuzzer: vmx, libvirt XML, Proxmox .conf, VirtualBox .vbox, OVF, Hyper-V
 * JSON (detected by content, as `openVmConfig` does) and OVA tar archives, all mutated anywhere.
 * Oracles: only VmConfigError / NotFoundError escape; listing NICs, disks and controllers works
 * on every accepted input; unplug → plug of the first NIC gives the original bytes back
 * (byte-identical round trip through save(); for an OVA the NICs read back the same, as the
 * rewrite zeroes the tar padding after the edited member).
 *
 *   tsx scripts/fuzz-vmconfig.ts [--runs N | --seconds S] [--seed S]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError, VmConfigError } from "../src/errors.js";
import { openVmConfig } from "../src/vmconfig/index.js";
import { fuzzMain, isMainModule, OracleFailure, type FuzzTarget } from "./fuzz-common.js";

const FIXTURES = fileURLToPath(new URL("../test/fixtures/vmconfig/", import.meta.url));
const NAMES = ["FS01-p2v.vmx", "fs01-p2v.xml", "101.conf", "FS01-p2v.vbox", "FS01-p2v.ovf", "FS01-p2v-hyperv.json"];

function seeds(work: string): Uint8Array[] {
  const out = NAMES.map((n) => new Uint8Array(readFileSync(join(FIXTURES, n))));
  // An OVA: a ustar archive holding the OVF (GNU tar, when installed).
  const ova = join(work, "seed.ova");
  const tar = spawnSync("tar", ["--format=ustar", "-cf", ova, "-C", FIXTURES, "FS01-p2v.ovf"]);
  if (tar.status === 0) out.push(new Uint8Array(readFileSync(ova)));
  return out;
}

export function vmconfigTarget(): FuzzTarget {
  const work = mkdtempSync(join(tmpdir(), "p2vfix-fuzz-vm-"));
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  const path = join(work, "vm.def");
  return {
    name: "vmconfig",
    seeds: seeds(work),
    run(input) {
      writeFileSync(path, input);
      const config = openVmConfig(path);
      const nics = config.nics();
      config.disks();
      config.controllers();
      if (!config.editable || nics.length === 0) return;
      const nic = nics[0];
      const first = config.setLink({ nic: nic.index }, !nic.connected);
      if (first.changed.length === 0) return;
      config.save({ backup: false });
      const again = openVmConfig(path);
      const second = again.setLink({ nic: nic.index }, nic.connected);
      if (second.changed.length === 0) throw new OracleFailure(`NIC ${nic.index} was changed but reads back unchanged`);
      again.save({ backup: false });
      const back = openVmConfig(path).nics();
      if (JSON.stringify(back) !== JSON.stringify(nics)) throw new OracleFailure(`unplug → plug of NIC ${nic.index} does not read back as the original NICs`);
      // Known: an OVA rewrite zeroes the tar padding after the edited member, so the archive is compared by its NICs only.
      if (config.format !== "ova" && Buffer.compare(readFileSync(path), input) !== 0) throw new OracleFailure(`unplug → plug of NIC ${nic.index} did not give the original bytes back (${config.format})`);
    },
    expected: (err) => err instanceof VmConfigError || err instanceof NotFoundError,
    perInputMs: 2000,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(vmconfigTarget, 3000);
