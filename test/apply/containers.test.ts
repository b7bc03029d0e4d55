/**
 * The same registry edit written into every container format qemu-img makes from the clean
 * fixture (qcow2, VHDX, VHD, VMDK sparse): qemu-img check still passes, qemu-img compare finds
 * each image identical to a raw twin given the same edit (so only the intended change was
 * made), and `p2vfix undo` gives back the original host file byte for byte.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256, undoApply, writeHivesInImage, type HiveEditContext } from "../../src/apply/index.js";
import { editHive } from "../../src/regf/edit/admission.js";
import { toolsAvailable } from "../helpers/interop.js";
import { bestRewriter, fileSha256, freshCopy } from "./helpers.js";

const edit = (c: HiveEditContext) => {
  const e = editHive(c.hive, { now: () => new Date("2025-01-01T00:00:00Z") });
  e.setValue("ControlSet001\\Services\\p2vfix-fixture", "Start", 4, new Uint8Array([2, 0, 0, 0]));
  e.setValue("ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName", 1, new Uint8Array(Buffer.from("CONVERTED-PC\0", "utf16le")));
  return e.serialize({ minSequence: c.recovery.lastAppliedSequence ?? 0 });
};
const options = bestRewriter ? { rewriter: bestRewriter } : {};

function qemu(args: string[]) {
  const r = spawnSync("qemu-img", args, { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!toolsAvailable("qemu-img"))("writes into container formats", () => {
  const formats: [string, string, boolean, string?][] = [
    ["qcow2", "qcow2", true],
    ["vhdx", "vhdx", true],
    ["vpc", "vhd", false], // qemu-img check does not support vpc
    ["vmdk", "vmdk", true],
    // Descriptor plus extent files: every host file goes through its own overlay and undo entry.
    ["vmdk", "vmdk", true, "twoGbMaxExtentSparse"],
    ["vmdk", "vmdk", true, "monolithicFlat"],
  ];
  for (const [format, ext, checkable, subformat] of formats) {
    it(`${ext}${subformat ? ` ${subformat}` : ""}: qemu-img check passes, compare shows only the intended change, undo restores every file`, () => {
      const raw = freshCopy("clean.img");
      const dir = dirname(raw);
      const twin = join(dir, "twin.img");
      copyFileSync(raw, twin);
      const image = join(dir, `disk.${ext}`);
      expect(qemu(["convert", "-O", format, ...(subformat ? ["-o", `subformat=${subformat}`] : []), raw, image]).status).toBe(0);
      const hostFiles = readdirSync(dir).filter((n) => n.startsWith("disk")).map((n) => join(dir, n));
      expect(hostFiles.length).toBe(subformat ? 2 : 1);
      const originalShas = hostFiles.map(fileSha256);

      const rawReport = writeHivesInImage(`${twin}:SYSTEM`, edit, options);
      const report = writeHivesInImage(`${image}:SYSTEM`, edit, options);
      expect(report.result[0].sha256After).toBe(rawReport.result[0].sha256After);
      if (checkable) {
        const check = qemu(["check", "-f", format, image]);
        expect(check.status, check.out).toBe(0);
      }
      const same = qemu(["compare", "-f", "raw", "-F", format, twin, image]);
      expect(same.status, same.out).toBe(0);
      const differs = qemu(["compare", "-f", "raw", "-F", format, raw, image]);
      expect(differs.status, differs.out).toBe(1);
      if (toolsAvailable("icat", "ifind", "hivexregedit")) {
        // qemu's own reading of the container, then sleuthkit and hivex on that: the new hive, byte for byte.
        const flat = join(dir, "flat.img");
        expect(qemu(["convert", "-f", format, "-O", "raw", image, flat]).status).toBe(0);
        const inode = spawnSync("ifind", ["-o", "2048", "-n", "/Windows/System32/config/SYSTEM", flat], { encoding: "utf8" }).stdout.trim();
        const hive = spawnSync("icat", ["-o", "2048", flat, inode], { maxBuffer: 1 << 26 }).stdout;
        expect(sha256(hive)).toBe(report.result[0].sha256After);
        const hiveFile = join(dir, "SYSTEM.out");
        writeFileSync(hiveFile, hive);
        const exported = spawnSync("hivexregedit", ["--export", hiveFile, "\\ControlSet001\\Control\\ComputerName\\ComputerName"], { encoding: "utf8" }).stdout;
        expect(exported).toMatch(/"ComputerName"=hex\(1\):43,00,4f,00,4e,00/); // "CON..." in UTF-16LE
      }

      if (subformat) expect(report.files.map((f) => basename(f.path)).sort(), JSON.stringify(report.files)).toEqual(hostFiles.map((f) => basename(f)).sort()); // the descriptor (CID) and the extent (data)
      const undo = undoApply(image);
      expect(undo.action).toBe("restored");
      expect(hostFiles.map(fileSha256)).toEqual(originalShas);
    });
  }
});
