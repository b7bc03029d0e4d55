/**
 * INF files: the text syntax, per "General Syntax Rules for INF Files"
 * (https://learn.microsoft.com/en-us/windows-hardware/drivers/install/general-syntax-rules-for-inf-files)
 * and the [Strings] section (https://learn.microsoft.com/en-us/windows-hardware/drivers/install/inf-strings-section):
 * - section names and keys are case-insensitive; sections of the same name are merged;
 * - ";" starts a comment outside double quotes;
 * - a "\" as the last character of a line (before any comment) continues it on the next line;
 * - a double-quoted string may hold commas, ";" and "=", and "" stands for one quote;
 * - "%strkey%" is replaced from [Strings] (a language-specific [Strings.LLLL] as fallback),
 *   "%%" is one "%"; %N% with a number is a DIRID, kept for the caller (12 = drivers folder).
 * Entries are `key = value, value, ...` or just `value, value, ...`.
 *
 * Errors name the file and the line (InfError); a file over MAX_INF_BYTES is refused.
 */
import { InfError } from "../errors.js";

const MAX_INF_BYTES = 8 << 20;

export interface InfEntry {
  /** Key before "=" (strings substituted, unquoted), undefined for entries without one. */
  key?: string;
  /** Comma-separated fields after "=" (or the whole line), substituted and unquoted; "" for empty fields. */
  values: string[];
  /** 1-based line where the entry starts. */
  line: number;
}

export interface InfSection {
  name: string;
  line: number;
  entries: InfEntry[];
}

/** Decodes the INF bytes: UTF-16LE/BE with a BOM, UTF-8 with or without one (Latin-1 when not valid UTF-8). */
function decode(bytes: Uint8Array, source: string): string {
  if (bytes.length > MAX_INF_BYTES) throw new InfError("inf-too-large", `${source} is ${bytes.length} bytes, more than an INF file can be (${MAX_INF_BYTES})`, { path: source });
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return new TextDecoder("latin1").decode(body);
  }
}

interface RawField {
  text: string;
  quoted: boolean;
}

/** Splits one logical line into key and fields; returns undefined for an empty/comment-only line. */
function splitLine(text: string, line: number, source: string): { key?: RawField[]; fields: RawField[][] } | undefined {
  const fields: RawField[][] = [[]];
  let key: RawField[] | undefined;
  let plain = "";
  const flush = () => {
    if (plain !== "") fields[fields.length - 1].push({ text: plain, quoted: false });
    plain = "";
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === ";") break;
    if (char === '"') {
      flush();
      let current = "";
      let closed = false;
      for (i++; i < text.length; i++) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            current += '"';
            i++;
            continue;
          }
          closed = true;
          break;
        }
        current += text[i];
      }
      if (!closed) throw new InfError("inf-unterminated-string", `${source}:${line}: a quoted string is not closed`, { path: source, line });
      fields[fields.length - 1].push({ text: current, quoted: true });
      continue;
    }
    if (char === "=" && key === undefined) {
      flush();
      key = fields[0];
      fields[0] = [];
      continue;
    }
    if (char === ",") {
      flush();
      fields.push([]);
      continue;
    }
    plain += char;
  }
  flush();
  const trimmed = fields.map((field) => trimParts(field));
  if (key === undefined && trimmed.length === 1 && trimmed[0].length === 0) return undefined;
  return key === undefined ? { fields: trimmed } : { key: trimParts(key), fields: trimmed };
}

/** Unquoted text around quoted parts is trimmed at the field's ends only. */
function trimParts(parts: RawField[]): RawField[] {
  const out = parts.map((part) => ({ ...part }));
  if (out.length > 0 && !out[0].quoted) out[0].text = out[0].text.trimStart();
  if (out.length > 0 && !out[out.length - 1].quoted) out[out.length - 1].text = out[out.length - 1].text.trimEnd();
  return out.filter((field) => field.quoted || field.text !== "");
}

/** Where a line's comment starts (a ";" outside quotes), or its length. */
function commentStart(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === ";" && !quoted) return i;
  }
  return text.length;
}

export class InfFile {
  private readonly sectionMap = new Map<string, InfSection>();
  private readonly strings = new Map<string, string>();
  /** Problems that are not syntax errors: unknown %strkey% tokens and the like. */
  readonly warnings: string[] = [];

  constructor(
    bytes: Uint8Array,
    readonly source: string,
  ) {
    const text = decode(bytes, source);
    if (text.includes("\u0000")) throw new InfError("inf-binary", `${source} holds NUL characters: not an INF text file`, { path: source });
    const physical = text.split(/\r\n|\r|\n/);
    const raw: Array<{ section: InfSection; line: number; parts: NonNullable<ReturnType<typeof splitLine>> }> = [];
    let current: InfSection | undefined;
    for (let i = 0; i < physical.length; i++) {
      const line = i + 1;
      let logical = physical[i];
      // Continuation: "\" last before the comment; the next physical line joins this one.
      for (;;) {
        const body = logical.slice(0, commentStart(logical)).trimEnd();
        if (!body.endsWith("\\") || i + 1 >= physical.length) {
          logical = body;
          break;
        }
        logical = body.slice(0, -1) + physical[++i];
      }
      const trimmed = logical.trim();
      if (trimmed === "") continue;
      if (trimmed.startsWith("[")) {
        const close = trimmed.indexOf("]");
        if (close < 0) throw new InfError("inf-bad-section", `${source}:${line}: section header "${trimmed}" has no closing "]"`, { path: source, line });
        const name = trimmed.slice(1, close).trim().replace(/^"(.*)"$/, "$1");
        if (name === "") throw new InfError("inf-bad-section", `${source}:${line}: empty section name`, { path: source, line });
        if (trimmed.slice(close + 1).trim() !== "") throw new InfError("inf-bad-section", `${source}:${line}: text after the section header "${trimmed}"`, { path: source, line });
        const keyName = name.toUpperCase();
        current = this.sectionMap.get(keyName);
        if (!current) {
          current = { name, line, entries: [] };
          this.sectionMap.set(keyName, current);
        }
        continue;
      }
      if (!current) throw new InfError("inf-entry-outside-section", `${source}:${line}: "${trimmed}" comes before any [section]`, { path: source, line });
      const parts = splitLine(logical, line, source);
      if (parts) raw.push({ section: current, line, parts });
    }
    // [Strings] first (any language section as fallback), then substitute everywhere.
    const stringSections = [...this.sectionMap.values()].filter((value) => /^strings(\.[0-9a-f]{4})?$/i.test(value.name)).sort((a, b) => a.name.length - b.name.length);
    for (const section of stringSections) {
      for (const rawEntry of raw.filter((candidate) => candidate.section === section)) {
        const key = rawEntry.parts.key?.map((rawField) => rawField.text).join("");
        if (key === undefined) continue;
        const lowerKey = key.toLowerCase();
        if (!this.strings.has(lowerKey)) this.strings.set(lowerKey, rawEntry.parts.fields.map((field) => field.map((rawField) => rawField.text).join("")).join(","));
      }
    }
    for (const rawEntry of raw) {
      const line = rawEntry.line;
      const isStrings = stringSections.includes(rawEntry.section);
      // Substitution applies inside quotes too: INFs write "%%SystemRoot%%\..." to get one "%".
      const join = (parts: RawField[]) => parts.map((part) => (isStrings ? part.text : this.substitute(part.text, line))).join("");
      rawEntry.section.entries.push({ ...(rawEntry.parts.key ? { key: join(rawEntry.parts.key) } : {}), values: rawEntry.parts.fields.map(join), line });
    }
  }

  /** %strkey% → its [Strings] value; %N% (DIRIDs) and unknown keys are kept as they are. */
  private substitute(text: string, line: number): string {
    return text.replace(/%([^%]*)%/g, (all, name: string) => {
      if (name === "") return "%";
      const value = this.strings.get(name.toLowerCase());
      if (value !== undefined) return value;
      if (!/^\d+$/.test(name)) this.warnings.push(`${this.source}:${line}: %${name}% is not defined in [Strings]`);
      return all;
    });
  }

  section(name: string): InfSection | undefined {
    return this.sectionMap.get(name.toUpperCase());
  }

  sections(): InfSection[] {
    return [...this.sectionMap.values()];
  }

  /** The first entry with this key in a section (case-insensitive). */
  entry(section: string, key: string): InfEntry | undefined {
    return this.section(section)?.entries.find((entry) => entry.key?.toLowerCase() === key.toLowerCase());
  }

  /** Every entry with this key in a section. */
  entries(section: string, key: string): InfEntry[] {
    return this.section(section)?.entries.filter((entry) => entry.key?.toLowerCase() === key.toLowerCase()) ?? [];
  }

  string(key: string): string | undefined {
    return this.strings.get(key.toLowerCase());
  }

  /** An InfError at an entry (or section) of this file. */
  error(code: string, message: string, line?: number): InfError {
    return new InfError(code, `${this.source}${line ? `:${line}` : ""}: ${message}`, { path: this.source, ...(line ? { line } : {}) });
  }
}

export function parseInf(bytes: Uint8Array, source: string): InfFile {
  return new InfFile(bytes, source);
}
