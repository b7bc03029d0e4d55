/**
 * Crash test: the writer runs in a child process and SIGKILLs itself after each durable step
 * of the transaction (undo file, journal, every write call, fsync, journal done). After each
 * kill, `p2vfix undo` must bring the image back to its original SHA-256; where the kill came
 * after the journal said "done", the finished image must first read back the intended hive.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { journalPath, readJournal, writerLockPath } from "../../src/apply/index.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { openHiveSource } from "../../src/image/index.js";
import { toolsAvailable } from "../helpers/interop.js";
import { fileSha256, freshCopy } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

/**
 * The child scripts, bundled once with esbuild: a child then starts in ~0.1 s instead of
 * compiling TypeScript on every start, which keeps one kill per step affordable.
 */
let bundled: { writer: string; undoer: string } | undefined;
function children(): { writer: string; undoer: string } {
  if (!bundled) {
    const outdir = mkdtempSync(join(tmpdir(), "p2vfix-crash-bundle-"));
    buildSync({ entryPoints: [join(here, "crash-writer.ts"), join(here, "crash-undoer.ts")], bundle: true, platform: "node", format: "esm", outdir, outExtension: { ".js": ".mjs" }, logLevel: "error" });
    bundled = { writer: join(outdir, "crash-writer.mjs"), undoer: join(outdir, "crash-undoer.mjs") };
  }
  return bundled;
}

function runWriter(image: string, killAfter?: number) {
  return spawnSync(process.execPath, [children().writer, image], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...(killAfter === undefined ? {} : { P2VFIX_TEST_KILL_AFTER_STEPS: String(killAfter) }) },
  });
}

function hiveSha(image: string): string {
  const opened = openHiveSource(`${image}:SYSTEM`, { useLogs: false });
  try {
    return fileSha256FromBytes(opened.hive.bytes);
  } finally {
    opened.close();
  }
}

const fileSha256FromBytes = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A fresh image to write: the clean raw fixture, or qemu-img's conversion of it. */
function makeImage(format: string): string {
  const raw = freshCopy("clean.img");
  if (format === "raw") return raw;
  const out = join(dirname(raw), `disk.${format}`);
  const r = spawnSync("qemu-img", ["convert", "-O", format, raw, out]);
  if (r.status !== 0) throw new Error(`qemu-img convert failed: ${r.stderr}`);
  return out;
}

describe.each(toolsAvailable("qemu-img") ? ["raw", "vhdx"] : ["raw"])("crash at every step of a write (%s)", (format) => {
  it("undo restores the original image after a kill at each step (or the finished write verifies)", { timeout: 90_000 }, async () => {
    const pristine = makeImage(format);
    const original = fileSha256(pristine);
    const copyOf = () => {
      const copy = join(mkdtempSync(join(tmpdir(), "p2vfix-crash-")), basename(pristine));
      copyFileSync(pristine, copy);
      return copy;
    };
    const reference = copyOf();
    const full = runWriter(reference);
    expect(full.status, full.stderr).toBe(0);
    const { steps, sha256After } = JSON.parse(full.stdout) as { steps: string[]; sha256After: string };
    expect(steps[0]).toBe("undo-file");
    expect(steps.at(-1)).toBe("journal-done");
    expect(steps.filter((s) => s === "write").length).toBeGreaterThan(1);
    expect(hiveSha(reference)).toBe(sha256After);

    const outcomes: string[] = [];
    for (let k = 1; k <= steps.length; k++) {
      const image = copyOf();
      const child = runWriter(image, k);
      expect(child.signal, `kill point ${k}: ${child.stderr}`).toBe("SIGKILL");
      // The killed writer leaves its lock behind; undo must see it is stale.
      expect(existsSync(writerLockPath(image))).toBe(true);
      const journal = readJournal(image);
      if (journal?.state === "done") {
        expect(hiveSha(image)).toBe(sha256After);
        outcomes.push(`${k}:done`);
      } else outcomes.push(`${k}:${journal?.state ?? "no journal"}`);
      const out = captureOutput();
      const code = await main(["undo", image], out);
      if (k === 1) {
        // Killed right after the undo file: the journal was never written, the image is untouched.
        expect(journal).toBeUndefined();
      }
      expect(code, `kill point ${k}: ${out.stdout()}${out.stderr()}`).toBe(0);
      expect(fileSha256(image), `kill point ${k} (${steps[k - 1]})`).toBe(original);
      expect(readdirSync(dirname(image)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    }
    // Every kill point was tried: one per durable step.
    expect(outcomes).toHaveLength(steps.length);
    console.log(`crash test (${format}): ${steps.length} kill points (${steps.join(", ")}): ${outcomes.join(" ")}`);
  });
});

describe("crash at every step of an undo", () => {
  it("a killed undo is finished by running undo again", { timeout: 90_000 }, async () => {
    const image = freshCopy("clean.img");
    const original = fileSha256(image);
    const write = runWriter(image);
    expect(write.status, write.stderr).toBe(0);
    const applied = readFileSync(image);
    const journal = readFileSync(journalPath(image));
    const reset = () => {
      writeFileSync(image, applied);
      writeFileSync(journalPath(image), journal);
      rmSync(writerLockPath(image), { force: true });
    };
    const full = spawnSync(process.execPath, [children().undoer, image], { cwd: root, encoding: "utf8" });
    expect(full.status, full.stderr).toBe(0);
    expect(fileSha256(image)).toBe(original);
    const { steps } = JSON.parse(full.stdout) as { steps: string[] };
    for (let k = 1; k <= steps.length; k++) {
      reset();
      const child = spawnSync(process.execPath, [children().undoer, image], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, P2VFIX_TEST_KILL_AFTER_STEPS: String(k) },
      });
      expect(child.signal, `undo kill point ${k}: ${child.stderr}`).toBe("SIGKILL");
      const out = captureOutput();
      expect(await main(["undo", image], out), `undo kill point ${k}: ${out.stderr()}`).toBe(0);
      expect(fileSha256(image), `undo kill point ${k} (${steps[k - 1]})`).toBe(original);
    }
    console.log(`crash test (undo): ${steps.length} kill points (${steps.join(", ")})`);
  });
});
