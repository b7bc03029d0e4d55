/**
 * VM-definition parsers fuzzer: vmx, libvirt XML, Proxmox .conf, VirtualBox .vbox, OVF, Hyper-V
 * JSON (detected by content, as `openVmConfig` does) and OVA tar archives, all mutated anywhere.
 * Oracles: only VmConfigError / NotFoundError escape; listing NICs, disks and controllers works
 * on every accepted input; unplug → plug of the first NIC gives every NIC its original state
 * and the original bytes back, byte for byte, for every input the parser accepts (real or
 * mutated): an editor that cannot edit an input exactly must refuse it with a typed error.
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

/** Sets NIC `index` to !connected, saves, reopens, sets it back, saves: the bytes after (undefined: nothing to change). */
function cycle(path: string, index: number, connected: boolean): Buffer | undefined {
  const config = openVmConfig(path);
  if (config.setLink({ nic: index }, !connected).changed.length === 0) return undefined;
  config.save({ backup: false });
  const again = openVmConfig(path);
  if (again.setLink({ nic: index }, connected).changed.length === 0) throw new OracleFailure(`NIC ${index} was changed but reads back unchanged`);
  again.save({ backup: false });
  return readFileSync(path);
}

export function vmconfigTarget(): FuzzTarget {
  const work = mkdtempSync(join(tmpdir(), "p2vfix-fuzz-vm-"));
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  const path = join(work, "vm.def");
  const seedList = seeds(work);
  return {
    name: "vmconfig",
    seeds: seedList,
    run(input) {
      writeFileSync(path, input);
      const config = openVmConfig(path);
      const nics = config.nics();
      config.disks();
      config.controllers();
      if (!config.editable || nics.length === 0) return;
      const first = cycle(path, nics[0].index, nics[0].connected);
      if (first === undefined) return;
      const states = (list: { index: number; connected: boolean }[]) => JSON.stringify(list.map((n) => [n.index, n.connected]));
      if (states(openVmConfig(path).nics()) !== states(nics)) throw new OracleFailure(`unplug → plug of NIC ${nics[0].index} does not give the NICs their original states`);
      // Every accepted input, real or mutated, comes back byte for byte.
      if (Buffer.compare(first, input) !== 0) throw new OracleFailure(`unplug → plug of NIC ${nics[0].index} did not give the original bytes back (${config.format})`);
    },
    expected: (err) => err instanceof VmConfigError || err instanceof NotFoundError,
    perInputMs: 2000,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(vmconfigTarget, 3000);
