/**
 * Writes into 100 GiB sparse images (made by qemu-img at test time, a few MiB on disk) cost
 * what they touch, not what the disk holds: a small write far into the disk reads and writes a
 * bounded number of host bytes (counted on the device under the overlay, as the transaction
 * engine stacks it), and the committed result passes qemu-img check and reads back in qemu-io.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BlockDevice } from "../../src/io/block-device.js";
import { FileDevice } from "../../src/io/file-device.js";
import { OverlayDevice } from "../../src/io/overlay-device.js";
import { openContainer } from "../../src/vdisk/index.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { scratchDir } from "./fixtures.js";

const scratch = scratchDir("write-large");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const GiB = 2 ** 30;
const MiB = 2 ** 20;

function run(command: string, ...args: string[]): string {
  const r = runTool(command, args);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}

/** A read-only device that counts the bytes read from it. */
class CountingDevice implements BlockDevice {
  readonly writable = false;
  bytesRead = 0;
  constructor(private readonly base: BlockDevice) {}
  get size(): number {
    return this.base.size;
  }
  read(offset: number, length: number): Uint8Array {
    this.bytesRead += length;
    return this.base.read(offset, length);
  }
  write(): void {
    throw new Error("read-only");
  }
  flush(): void {}
  close(): void {
    this.base.close();
  }
}

const formats = [
  ["vpc", "subformat=dynamic,force_size=on"],
  ["vhdx", ""],
  ["vmdk", "subformat=monolithicSparse"],
  ["vmdk", "subformat=twoGbMaxExtentSparse"],
  ["qcow2", ""],
] as const;

describe.skipIf(!toolsAvailable("qemu-img", "qemu-io"))("small writes into 100 GiB sparse images", () => {
  it.each(formats)("%s %s: 64 KiB at 99 GiB and 4 KiB at 50 GiB touch a bounded number of host bytes", (format, opts) => {
    const path = join(scratch, `big-${format}-${opts.replace(/\W/g, "")}.img`);
    run("qemu-img", "create", "-q", "-f", format, ...(opts ? ["-o", opts] : []), path, "100G");
    const counters: CountingDevice[] = [];
    const overlays = new Map<string, OverlayDevice>();
    const stack = (p: string) => {
      const counter = new CountingDevice(new FileDevice(p));
      counters.push(counter);
      const overlay = new OverlayDevice(counter);
      overlays.set(p, overlay);
      return overlay;
    };
    const image = openContainer(stack(path), path, { writable: true, openExtent: (p) => stack(p) });
    const a = new Uint8Array(64 * 1024).fill(0xa5);
    const b = new Uint8Array(4096).fill(0x5a);
    image.device.write(99 * GiB, a);
    image.device.write(50 * GiB + 512, b);
    expect(image.device.read(99 * GiB, a.length)).toEqual(a);
    image.close();
    const read = counters.reduce((sum, c) => sum + c.bytesRead, 0);
    let written = 0;
    for (const o of overlays.values()) for (const r of o.writes()) written += r.data.length;
    // Table pages (64 KiB each) and the written data; nothing proportional to 100 GiB but, for a
    // monolithic sparse VMDK, its grain tables (4 bytes per 64 KiB grain), read once before the
    // first write to refuse grains claimed twice (src/vdisk/vmdk/claims.ts).
    const grainTables = opts === "subformat=monolithicSparse" ? ((100 * GiB) / (64 * 1024)) * 4 : 0;
    expect(read).toBeLessThan(4 * MiB + grainTables);
    expect(written).toBeLessThan(2 * MiB);
    for (const [p, o] of overlays) {
      const file = new FileDevice(p, { writable: true });
      if (file.size !== o.size) file.resize(o.size);
      for (const r of o.writes()) file.write(r.offset, r.data);
      file.close();
    }
    for (const c of counters) c.close();
    if (format !== "vpc") expect(run("qemu-img", "check", "-f", format, path)).toMatch(/No errors were found/);
    const verify = runTool("qemu-io", ["-f", format, "-c", `read -P 0xa5 ${99 * GiB} 65536`, "-c", `read -P 0x5a ${50 * GiB + 512} 4096`, "-c", `read -P 0 ${50 * GiB} 512`, path]);
    expect(verify.status).toBe(0);
    expect(verify.stdout.toString()).not.toMatch(/Pattern verification failed/);
  });
});
