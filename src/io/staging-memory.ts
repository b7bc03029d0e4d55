/**
 * The memory that staging overlays (spool-overlay-device.ts) may fill with whole written
 * stretches before the rest goes to their spool files: one budget for the process, shared by
 * every overlay alive in it (a split VMDK has one overlay per extent file, dozens at times), so
 * peak memory stays the budget whatever the tree and however many host files it lands in.
 */
export class StagingMemory {
  private held = 0;

  constructor(readonly capBytes: number) {}

  /** Bytes taken and not yet given back. */
  get heldBytes(): number {
    return this.held;
  }

  /** Takes `bytes` when they fit under the cap; false (nothing taken) when they do not. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.capBytes) return false;
    this.held += bytes;
    return true;
  }

  giveBack(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

/**
 * The process's staging memory (64 MiB): the 40 MiB file of the copy-in bench stays in memory
 * from the NTFS writer to the commit, never written to a spool file and read back three times;
 * larger trees keep their first 64 MiB here and spool the rest. Measured in
 * docs/write-path-profile.md ("Whole writes kept in memory").
 */
export const STAGING_MEMORY = new StagingMemory(64 * 1024 * 1024);
