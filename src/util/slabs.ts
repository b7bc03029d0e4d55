/**
 * Many small byte arrays that live as long as each other, carved from shared slabs: one
 * ArrayBuffer (and one object for the collector to track) per slab instead of one per array.
 * Nothing is given back before the whole lot is dropped.
 */
export class Slabs {
  private slab: Uint8Array | undefined;
  private used = 0;

  /** `slabSize`: bytes per slab; a request larger than that gets a slab of its own size. */
  constructor(private readonly slabSize: number) {}

  /** `length` fresh zero bytes, a view into a slab. */
  take(length: number): Uint8Array {
    if (!this.slab || this.used + length > this.slab.length) {
      this.slab = new Uint8Array(Math.max(this.slabSize, length));
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  }
}
