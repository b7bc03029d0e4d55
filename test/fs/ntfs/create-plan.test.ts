/**
 * A plan's `files:` section: listed in the dry run's diff with nothing written, copied at
 * apply (replacing what a first apply copied), and undone by `p2vfix undo` to the image's
 * original SHA-256.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { demoImage } from "../../../scripts/fixtures/build-scenarios.js";
import { cli, sha } from "../../plan/helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-plan-files-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("plan files: section", () => {
  it("dry run lists, apply copies, a second apply replaces, undo restores", async () => {
    const image = join(work, "demo.vhdx");
    writeFileSync(image, gunzipSync(readFileSync(demoImage)));
    const original = sha(image);
    const tools = join(work, "tools");
    mkdirSync(join(tools, "drivers"), { recursive: true });
    writeFileSync(join(tools, "cleanup.cmd"), "@echo off\r\necho cleaning\r\n");
    writeFileSync(join(tools, "drivers", "viostor.sys"), new Uint8Array(200_000).map((_, i) => i & 0xff));
    const planPath = join(work, "plan.yaml");
    const made = await cli("plan", image, "-o", planPath);
    expect(made.code, made.stderr).toBe(0);
    appendFileSync(planPath, `files:\n  - from: ${JSON.stringify(tools)}\n    to: /p2vfix/tools\n    reason: first-boot cleanup script and boot driver\n`);

    const dry = await cli("apply", image, planPath, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("files copied into the image (2)");
    expect(dry.stdout).toContain("/p2vfix/tools/drivers/viostor.sys (200000 bytes)");
    expect(sha(image)).toBe(original);

    const applied = await cli("apply", image, planPath);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await cli("cat", `${image}:/p2vfix/tools/cleanup.cmd`)).stdout).toBe("@echo off\r\necho cleaning\r\n");

    // A second apply with a new version of the script replaces it.
    writeFileSync(join(tools, "cleanup.cmd"), "@echo off\r\necho version 2\r\n");
    const again = await cli("apply", image, planPath);
    expect(again.code, again.stderr).toBe(0);
    expect((await cli("cat", `${image}:/p2vfix/tools/cleanup.cmd`)).stdout).toBe("@echo off\r\necho version 2\r\n");

    for (let i = 0; i < 6; i++) expect((await cli("undo", image)).code).toBe(0);
    expect(sha(image)).toBe(original);
  }, 120_000);
});
