/** `p2vfix batch` refuses a bad inventory before anything is written: the error names the line, and no state folder appears. */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { ExitCode } from "../../src/errors.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function wave(text: string, name = "wave.yaml"): { dir: string; inv: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-batch-cli-"));
  writeFileSync(join(dir, "a.raw"), new Uint8Array(4096));
  writeFileSync(join(dir, name), text);
  return { dir, inv: join(dir, name), state: join(dir, "state") };
}

describe("batch: a bad inventory writes nothing", () => {
  const cases: [string, string, string, number, RegExp][] = [
    ["unknown key", "wave.yaml", "images:\n  - image: a.raw\n    macaddress: 52:54:00:12:34:56\n", ExitCode.badInput, /unknown key "macaddress".*wave\.yaml:3\)/],
    ["missing image key", "wave.yaml", "images:\n  - image: a.raw\n  - target: kvm\n", ExitCode.badInput, /every entry needs `image:`.*wave\.yaml:3\)/],
    ["missing image file", "wave.yaml", "images:\n  - image: a.raw\n  - image: gone.raw\n", ExitCode.notFound, /image .*gone\.raw does not exist.*wave\.yaml:3\b/],
    ["duplicate image", "wave.csv", "image,target\na.raw,kvm\na.raw,hyperv\n", ExitCode.badInput, /duplicate image "a\.raw" \(first at line 2\).*wave\.csv:3\)/],
    ["bad MAC", "wave.csv", "image,macs\na.raw,52:54:00:12:34\n", ExitCode.badInput, /not a MAC address.*wave\.csv:2\)/],
    ["missing drivers source", "wave.yaml", "images:\n  - image: a.raw\n    drivers: /isos/virtio-win.iso\n", ExitCode.notFound, /drivers \/isos\/virtio-win\.iso does not exist.*wave\.yaml:2\b/],
  ];
  for (const [what, name, text, code, message] of cases) {
    it(what, async () => {
      const { inv, state } = wave(text, name);
      const r = await run("batch", inv, "--state", state);
      expect(r.code).toBe(code);
      expect(r.stderr.replace(/\n/g, " ")).toMatch(message);
      expect(existsSync(state)).toBe(false);
    });
  }

  it("--index past the end is a usage error; --json errors are JSON", async () => {
    const { inv, state } = wave("images:\n  - image: a.raw\n");
    const r = await run("batch", inv, "--index", "1", "--state", state, "--json");
    expect(r.code).toBe(ExitCode.usage);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: "bad-index" });
    expect(existsSync(state)).toBe(false);
  });

  it("a state folder that is a symlink is refused", async () => {
    const { dir, inv } = wave("images:\n  - image: a.raw\n");
    const { symlinkSync, mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "elsewhere"));
    symlinkSync(join(dir, "elsewhere"), join(dir, "state"));
    const r = await run("batch", inv, "--index", "0", "--state", join(dir, "state"));
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toMatch(/symbolic link/);
  });
});

describe("batch --index: one image in this process", () => {
  it("copies the entry's files into the image (the plan's files:) and keeps the plan in the state folder", { timeout: 60_000 }, async () => {
    const { copyFileSync, mkdirSync, readdirSync, readFileSync } = await import("node:fs");
    const { dir, inv } = wave("defaults:\n  target: hyperv\nimages:\n  - image: demo.qcow2\n    macs: ['00:15:5d:01:02:03']\n    files:\n      - from: tools\n        to: /p2vfix/tools\n");
    copyFileSync(join(import.meta.dirname, "../../examples/demo-hp-proliant.qcow2"), join(dir, "demo.qcow2"));
    mkdirSync(join(dir, "tools"));
    writeFileSync(join(dir, "tools", "hello.txt"), "hello from the wave\r\n");
    const r = await run("batch", inv, "--index", "0", "--state", join(dir, "state"), "--json");
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as { status: string; plan: string; filesUndoFile: string | null };
    expect(record.status).toBe("done");
    expect(record.filesUndoFile).not.toBeNull();
    expect(readFileSync(record.plan, "utf8")).toMatch(/files:\n\s+- from: .*tools\n\s+to: \/p2vfix\/tools/);
    const cat = await run("cat", `${join(dir, "demo.qcow2")}:/p2vfix/tools/hello.txt`);
    expect(cat.stdout).toBe("hello from the wave\r\n");
    expect(readdirSync(join(dir, "state"))).toHaveLength(1);
  });
});

describe("batch --dry-run", () => {
  it("plans the image and writes nothing: no state folder, the image and its folder unchanged", { timeout: 60_000 }, async () => {
    const { copyFileSync, readdirSync, readFileSync } = await import("node:fs");
    const { dir, inv, state } = wave("images:\n  - image: demo.qcow2\n    target: kvm\n");
    copyFileSync(join(import.meta.dirname, "../../examples/demo-hp-proliant.qcow2"), join(dir, "demo.qcow2"));
    const before = readFileSync(join(dir, "demo.qcow2"));
    const listing = readdirSync(dir).sort();
    const r = await run("batch", inv, "--index", "0", "--state", state, "--dry-run", "--json");
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as { status: string; findingsBefore: string[]; undoFile: string | null };
    expect(record.status).toBe("dry-run");
    expect(record.findingsBefore.length).toBeGreaterThan(0);
    expect(record.undoFile).toBeNull();
    expect(readFileSync(join(dir, "demo.qcow2"))).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(listing);
    expect(existsSync(state)).toBe(false);
  });
});
