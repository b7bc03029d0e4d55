/**
 * Host byte ranges a container's tables claim (blocks, metadata regions), indexed once so a
 * write can ask cheaply whether the block it is about to write is claimed twice. qemu refuses
 * such images (vhdx_region_check, qcow2_check_metadata_overlap): writing one claimant corrupts
 * the other. Blocks are stored compactly (8 + 4 bytes each): a BAT may hold a million.
 */
import { RefusedError } from "../errors.js";

export interface HostExtent {
  start: number;
  end: number;
  /** Names the claimant in the refusal ("metadata region"). */
  name: string;
}

export class HostExtentIndex {
  private readonly starts: Float64Array;
  private readonly ids: Uint32Array;

  /**
   * @param fixed the format's own regions (headers, tables), few
   * @param blocks `[table index, host start]` of every allocated block, each `blockLength` long
   */
  constructor(
    private readonly fixed: HostExtent[],
    blocks: [number, number][],
    private readonly blockLength: number,
    private readonly blockName: (id: number) => string,
  ) {
    blocks.sort((a, b) => a[1] - b[1]);
    this.starts = Float64Array.from(blocks, (block) => block[1]);
    this.ids = Uint32Array.from(blocks, (block) => block[0]);
  }

  /** What else claims bytes of [start, end), which block `selfId` (or the region named `self`) claims. */
  overlapping(start: number, end: number, self: number | string): HostExtent | undefined {
    for (const hostExtent of this.fixed) if (hostExtent.name !== self && hostExtent.start < end && start < hostExtent.end && hostExtent.end > hostExtent.start) return hostExtent;
    // First block whose end passes `start`.
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] + this.blockLength <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.starts.length && this.starts[i] < end; i++) {
      if (this.ids[i] !== self) return { start: this.starts[i], end: this.starts[i] + this.blockLength, name: this.blockName(this.ids[i]) };
    }
    return undefined;
  }

  /** Refuses the write when [start, end), claimed by `self`, is claimed by anything else too. */
  refuseOverlap(start: number, end: number, self: number | string, format: string, path: string): void {
    const other = this.overlapping(start, end, self);
    if (!other) return;
    const name = typeof self === "number" ? this.blockName(self) : self;
    throw new RefusedError(
      `${format.toLowerCase()}-overlap`,
      `${path}: the ${format} ${name} (host bytes ${start}..${end}) overlaps the ${other.name} (${other.start}..${other.end}); qemu refuses such an image: run "qemu-img check -r all" or convert it first`,
      { path, offset: start },
    );
  }
}
