/**
 * A wave whose inventory names a block device (what each Kubernetes pod in block mode runs:
 * `batch INVENTORY --index N --state DIR`): the device is prepared, its undo file and journal
 * are in its folder of the state (nothing beside /dev), a rerun skips it, `p2vfix undo` with
 * that folder restores it; without --state a device is refused with a usage error naming it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoImage } from "../../scripts/fixtures/build-scenarios.js";
import { ExitCode } from "../../src/errors.js";
import { cli } from "../helpers/cli.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { attachLoop, detachLoops, deviceSha, loopDevicesAvailable, loopUnavailable } from "../helpers/loop-device.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-batch-devices-"));
afterAll(() => {
  detachLoops();
  rmSync(work, { recursive: true, force: true });
});


describe.skipIf(!loopDevicesAvailable() || (loopUnavailable() === undefined && !toolsAvailable("qemu-img")))("batch with a block device", () => {
  let device = "";
  let inventory = "";
  beforeAll(() => {
    const vhdx = join(work, "demo.vhdx");
    writeFileSync(vhdx, gunzipSync(readFileSync(demoImage)));
    const raw = join(work, "demo.raw");
    const r = runTool("qemu-img", ["convert", "-f", "vhdx", "-O", "raw", vhdx, raw]);
    if (r.status !== 0) throw new Error(r.stderr);
    device = attachLoop(raw);
    inventory = join(work, "wave.yaml");
    writeFileSync(inventory, `defaults:\n  target: kvm\nimages:\n  - image: ${device}\n    macs: ['52:54:00:aa:bb:01']\n`);
  });

  it("needs --state; with it, the undo file and journal live in the image's state folder; a rerun skips; undo restores", async () => {
    const original = deviceSha(device);
    const noState = await cli("batch", inventory, "--index", "0", "--json");
    expect(noState.code).toBe(ExitCode.usage);
    expect(JSON.parse(noState.stdout).error.code).toBe("device-needs-state");
    expect(deviceSha(device)).toBe(original);

    const state = join(work, "state");
    const first = await cli("batch", inventory, "--index", "0", "--json", "--state", state);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const record = JSON.parse(first.stdout);
    expect(record.status).toBe("done");
    const folder = dirname(record.undoFile);
    expect(dirname(folder)).toBe(state);
    expect(readdirSync(folder).sort()).toEqual(["log.txt", basename(record.undoFile), `${basename(device)}.p2vfix-journal`, "plan.yaml", "result.json"].sort());
    expect(readdirSync("/dev").filter((n) => n.startsWith(`${basename(device)}.`))).toEqual([]);
    const prepared = deviceSha(device);
    expect(prepared).not.toBe(original);
    expect(record.imageSha256After).toBe(prepared);

    const rerun = await cli("batch", inventory, "--index", "0", "--json", "--state", state);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout).status).toBe("skipped");
    expect(deviceSha(device)).toBe(prepared);

    const undone = await cli("undo", device, "--backup-dir", folder);
    expect(undone.code, undone.stderr).toBe(0);
    expect(deviceSha(device)).toBe(original);
  });
});
