/**
 * The shared half of every file-backed definition: holds the file as a binary string, applies
 * link edits as byte splices, re-parses after each edit, and writes atomically. A format
 * supplies parsing and the one splice that sets a NIC's link.
 */
import { RefusedError } from "../errors.js";
import { replaceFileAtomically } from "./file-store.js";
import { selectNics } from "./selector.js";
import { applySplices, lineAt, textToBytes, type Splice } from "./text.js";
import type {
  Disk,
  Hypervisor,
  LiveCommandOptions,
  Nic,
  NicChange,
  NicSelector,
  RunningState,
  SaveOptions,
  StorageController,
  VmConfig,
  VmConfigEdit,
  VmFormat,
} from "./types.js";

export interface ParsedDefinition {
  name?: string;
  nics: Nic[];
  disks: Disk[];
  controllers: StorageController[];
}

export abstract class TextVmConfig<P extends ParsedDefinition = ParsedDefinition> implements VmConfig {
  abstract readonly format: VmFormat;
  abstract readonly hypervisor: Hypervisor;
  readonly editable: boolean = true;
  protected text: string;
  protected parsed: P;
  private savedText: string;

  constructor(
    readonly path: string,
    text: string,
  ) {
    this.text = text;
    this.savedText = text;
    this.parsed = this.parse(text);
  }

  /** Parses the whole definition; throws VmConfigError naming the line on malformed input. */
  protected abstract parse(text: string): P;
  /** The splice that sets `nic`'s link, or undefined when it already is in that state. */
  protected abstract linkSplice(nic: Nic, up: boolean): Splice | undefined;
  abstract liveCommand(selector: NicSelector, up: boolean, options?: LiveCommandOptions): string[];
  abstract running(): RunningState;

  get name(): string | undefined {
    return this.parsed.name;
  }

  get dirty(): boolean {
    return this.text !== this.savedText;
  }

  /** The definition's bytes as they would be saved. */
  bytes(): Uint8Array {
    return textToBytes(this.text);
  }

  nics(): Nic[] {
    return this.parsed.nics;
  }

  disks(): Disk[] {
    return this.parsed.disks;
  }

  controllers(): StorageController[] {
    return this.parsed.controllers;
  }

  setLink(selector: NicSelector, up: boolean): VmConfigEdit {
    const selected = selectNics(this.parsed.nics, selector, this.path);
    const splices: Splice[] = [];
    const changed: NicChange[] = [];
    const unchanged: Nic[] = [];
    for (const nic of selected) {
      const splice = nic.connected === up ? undefined : this.linkSplice(nic, up);
      if (!splice) {
        unchanged.push(nic);
        continue;
      }
      splices.push(splice);
      // An insertion that starts with a line break lands on the next line.
      const leadingBreak = /^\r?\n/.test(splice.text) ? 1 : 0;
      changed.push({ nic, line: lineAt(this.text, splice.start) + leadingBreak, before: this.text.slice(splice.start, splice.end), after: splice.text });
    }
    if (splices.length > 0) {
      const next = applySplices(this.text, splices, this.path);
      this.parsed = this.parse(next);
      this.text = next;
    }
    return { changed, unchanged };
  }

  save(options: SaveOptions = {}): void {
    if (!this.editable) throw new RefusedError("not-editable", `${this.format} has no file to edit`, { path: this.path });
    const bytes = textToBytes(this.text);
    replaceFileAtomically(this.path, (out) => out.write(bytes), options.backup ?? true);
    this.markSaved();
  }

  /** Records the current text as what is on disk. */
  protected markSaved(): void {
    this.savedText = this.text;
  }
}
