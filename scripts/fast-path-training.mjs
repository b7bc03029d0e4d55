/**
 * The training runs the build gives each bundle (the command line and its fast paths) before it
 * serialises the bundle's V8 code caches (bin/code-cache.js): commands of the kind users run, on
 * the repository's own test images, so each cache holds the functions its commands call. The
 * runs read and write only copies in a temp folder; the images come from test/fixtures, which a
 * tree without tests (an unpacked package) lacks: the build then makes caches of every function
 * instead.
 *
 * The images, and why each: a bare NTFS volume (bench/cat-pairs.mjs's shape), a GPT disk with an
 * ESP and a Windows partition (the usual converted disk), a qcow2 and a VMDK (the KVM and VMware
 * containers) holding a FAT volume; for `reg export`, a SYSTEM hive in UTF-16 and UTF-8, to
 * standard output and to a file. The command line's bundle gets one cache per kind of command:
 * inspect and plan of the GPT disk (the default), and `cp -r` of a small tree into a copy of the
 * NTFS volume (for the commands that write files into an image).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

const FIXTURES = {
  ntfs: "ntfs/windows.ntfs",
  gpt: "image/windows-gpt.img",
  qcow2: "vdisk/cluster4k.qcow2",
  vmdk: "vdisk/sparse.vmdk",
  hive: "image/SYSTEM",
};

/**
 * The training of each bundle's caches ({ entry, runs } by bundle name, then by cache variant, ""
 * being the default) with the images the runs use in a temp folder, and `remove()` to delete that
 * folder; undefined when the test images are missing.
 */
export function fastPathTraining(root) {
  const fixtures = join(root, "test/fixtures");
  if (!Object.values(FIXTURES).every((rel) => existsSync(join(fixtures, `${rel}.gz`)))) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-fast-path-training-"));
  const image = {};
  for (const [name, rel] of Object.entries(FIXTURES)) {
    image[name] = join(dir, rel.split("/").pop());
    writeFileSync(image[name], gunzipSync(readFileSync(join(fixtures, `${rel}.gz`))));
  }
  const system = "Windows/System32/config/SYSTEM";
  // For the whole command line: `cp -r` of a small tree (resident, non-resident, nested) into
  // its own copy of the NTFS volume, undo file and all in the temp folder.
  const tree = join(dir, "tools");
  mkdirSync(join(tree, "drivers"), { recursive: true });
  for (let i = 0; i < 40; i++) writeFileSync(join(tree, `script-${i}.cmd`), `@echo off\r\nrem step ${i}\r\n`.repeat(1 + i));
  writeFileSync(join(tree, "drivers", "viostor.sys"), Buffer.alloc(300 * 1024, 0x5a));
  const target = join(dir, "copy-target.ntfs");
  writeFileSync(target, readFileSync(image.ntfs));
  return {
    training: {
      "fast-cat": {
        "": {
          entry: "fastCat",
          runs: [`${image.ntfs}:${system}`, `${image.gpt}:${system}`, `${image.qcow2}:pattern.txt`, `${image.vmdk}:EFI/Microsoft/Boot/BCD`].map((spec) => ["cat", spec]),
        },
      },
      // The command line: one cache per kind of command (bin/code-cache.js MAIN_CACHE_VARIANTS).
      main: {
        "": { entry: "main", runs: [["inspect", image.gpt], ["plan", image.gpt, "-o", join(dir, "plan.yaml")]] },
        write: { entry: "main", runs: [["cp", "-r", "--backup-dir", dir, tree, `${target}:/p2vfix`]] },
      },
      "fast-export": {
        "": {
          entry: "fastExport",
          runs: [
            ["reg", "export", image.hive],
            ["reg", "export", image.hive, "--encoding", "utf8", "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM"],
            ["reg", "export", image.hive, "ControlSet001\\Control", "-o", join(dir, "control.reg")],
          ],
        },
      },
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
