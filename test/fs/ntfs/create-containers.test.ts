/**
 * `p2vfix cp -r`, `mkdir`, `rm` on every container format (raw GPT, raw MBR, fixed and dynamic
 * VHD, VHDX, VMDK, qcow2): the copied tree read back by sleuthkit and ntfs-3g from the disk
 * converted to raw by qemu-img, `qemu-img check` clean, and `p2vfix undo` giving back the
 * image's exact SHA-256.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../../src/cli/output.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { hostTree, sha, tempDir, testTree, type TreeModel } from "./create-helpers.js";

const available = toolsAvailable("mkntfs", "sgdisk", "sfdisk", "qemu-img", "fls", "icat", "ifind", "ntfscat");

const START_SECTOR = 2048;
const VOLUME_MIB = 64;

function rawDisk(dir: string, scheme: "gpt" | "mbr"): string {
  const vol = join(dir, "vol.ntfs");
  runTool("truncate", ["-s", `${VOLUME_MIB}M`, vol]);
  expect(runTool("mkntfs", ["-F", "-Q", "-q", "-p", String(START_SECTOR), "-H", "255", "-S", "63", vol]).status).toBe(0);
  const disk = join(dir, `disk-${scheme}.raw`);
  runTool("truncate", ["-s", `${VOLUME_MIB + 2}M`, disk]);
  if (scheme === "gpt") expect(runTool("sgdisk", ["--clear", `--new=1:${START_SECTOR}:+${VOLUME_MIB * 2048}`, "--typecode=1:0700", disk]).status).toBe(0);
  else expect(runTool("sfdisk", [disk], { input: `label: dos\nstart=${START_SECTOR}, size=${VOLUME_MIB * 2048}, type=7, bootable\n` }).status).toBe(0);
  expect(runTool("dd", [`if=${vol}`, `of=${disk}`, "bs=1M", "seek=1", "conv=notrunc", "status=none"]).status).toBe(0);
  return disk;
}

const containers: Array<{ name: string; make: (raw: string, out: string) => string[] | undefined; checkable: boolean }> = [
  { name: "raw GPT", make: () => undefined, checkable: false },
  { name: "fixed VHD", make: (raw, out) => ["convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed,force_size=on", raw, out], checkable: false },
  { name: "dynamic VHD", make: (raw, out) => ["convert", "-f", "raw", "-O", "vpc", "-o", "subformat=dynamic,force_size=on", raw, out], checkable: false },
  { name: "VHDX", make: (raw, out) => ["convert", "-f", "raw", "-O", "vhdx", raw, out], checkable: true },
  { name: "VMDK", make: (raw, out) => ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=monolithicSparse", raw, out], checkable: true },
  { name: "qcow2", make: (raw, out) => ["convert", "-f", "raw", "-O", "qcow2", raw, out], checkable: true },
];

async function p2vfix(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function formatOf(name: string): string {
  return name.includes("VHD") && !name.includes("VHDX") ? "vpc" : name === "VHDX" ? "vhdx" : name === "VMDK" ? "vmdk" : name === "qcow2" ? "qcow2" : "raw";
}

/** sleuthkit and ntfscat read every file of the tree from the image converted to raw. */
function checkTree(image: string, format: string, dir: string, tree: TreeModel): void {
  const raw = join(dir, "check.raw");
  expect(runTool("qemu-img", ["convert", "-f", format, "-O", "raw", image, raw]).status).toBe(0);
  const listed = new Set(runTool("fls", ["-o", String(START_SECTOR), "-r", "-p", raw]).stdout.toString().split("\n").map((l) => "/" + l.split("\t")[1]));
  const vol = join(dir, "check.ntfs");
  runTool("dd", [`if=${raw}`, `of=${vol}`, "bs=1M", "skip=1", `count=${VOLUME_MIB}`, "status=none"]);
  for (const [path, content] of tree) {
    const inImage = `/p2vfix${path.replace(/^\/tree/, "/tools")}`.replace(/\/$/, "");
    expect(listed.has(inImage), inImage).toBe(true);
    if (content !== "dir") expect(sha(runTool("ntfscat", [vol, inImage]).stdout), inImage).toBe(sha(content));
  }
}

describe.skipIf(!available)("copy in, mkdir, rm and undo on every container format", () => {
  for (const c of [...containers, { name: "raw MBR", make: () => undefined, checkable: false }]) {
    it(c.name, async () => {
      const dir = tempDir();
      const raw = rawDisk(dir, c.name === "raw MBR" ? "mbr" : "gpt");
      const made = c.make(raw, join(dir, "disk.img"));
      if (made) expect(runTool("qemu-img", made).status).toBe(0);
      const image = made ? join(dir, "disk.img") : raw;
      const before = sha(readFileSync(image));
      const tree = testTree({ manyFiles: 60, largeBytes: 2 * 1024 * 1024 });
      const host = hostTree(join(dir, "host"), tree);

      expect((await p2vfix("mkdir", `${image}:/p2vfix`)).code).toBe(0);
      const cp = await p2vfix("cp", "-r", "--json", host, `${image}:/p2vfix/tools`);
      expect(cp.stderr).toBe("");
      expect(cp.code).toBe(0);
      const report = JSON.parse(cp.stdout);
      expect(report.created.length).toBe([...tree.values()].filter((v) => v !== "dir").length);
      checkTree(image, formatOf(c.name), dir, tree);
      if (c.checkable) expect(runTool("qemu-img", ["check", image]).status).toBe(0);

      // A second copy of the same file is refused unless forced; rm removes.
      writeFileSync(join(dir, "again.txt"), "again");
      expect((await p2vfix("cp", join(dir, "again.txt"), `${image}:/p2vfix/tools/resident.txt`)).code).not.toBe(0);
      expect((await p2vfix("cp", "-f", join(dir, "again.txt"), `${image}:/p2vfix/tools/resident.txt`)).code).toBe(0);
      expect((await p2vfix("rm", `${image}:/p2vfix/tools/many`)).code).not.toBe(0);
      expect((await p2vfix("rm", "-r", `${image}:/p2vfix/tools/many`)).code).toBe(0);
      const ls = await p2vfix("ls", `${image}:/p2vfix/tools`);
      expect(ls.stdout).not.toContain("many");

      // Undo, newest first, restores the exact bytes.
      for (let i = 0; i < 5; i++) expect((await p2vfix("undo", image)).code).toBe(0);
      expect(sha(readFileSync(image))).toBe(before);
    }, 120_000);
  }
});
