/**
 * Turning values into PowerShell and cmd source text safely, and command lines into the
 * `-EncodedCommand` form. Everything that goes into a generated script from a plan passes
 * through here, so a quote in a user's value can never end a string early.
 */

/** A PowerShell single-quoted string literal: only the quote itself needs doubling. */
export function psString(value: string): string {
  // PowerShell also treats the typographic single quotes as quote characters.
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

/** A PowerShell array literal of strings: @('a','b'); @() when empty. */
export function psStringArray(values: readonly string[]): string {
  return `@(${values.map(psString).join(",")})`;
}

/** A PowerShell integer literal (checked: plans are user input). */
export function psInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return String(value);
}

/** A PowerShell boolean. */
export function psBool(value: boolean): string {
  return value ? "$true" : "$false";
}

/** Base64 of the UTF-16LE text: what powershell.exe -EncodedCommand takes. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

/** Inverse of encodeCommand (tests and `p2vfix report` use it to show what a hook runs). */
export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, "base64").toString("utf16le");
}

/**
 * PowerShell source text for one template tag (render-template.ts). Only the factories below
 * make one, each from an escaped or checked part, so a plain string can never reach a script:
 * the class is nominal for TypeScript (private field) and checked at run time (`isPsValue`).
 */
export class PsValue {
  readonly #text: string;

  private constructor(text: string) {
    this.#text = text;
  }

  get text(): string {
    return this.#text;
  }

  /** A single-quoted string literal ('it''s'). */
  static string(value: string): PsValue {
    return new PsValue(psString(value));
  }

  /** An array of string literals: @('a','b'); the separator is "," or ", ". */
  static stringArray(values: readonly string[], separator: "," | ", " = ","): PsValue {
    return new PsValue(`@(${values.map(psString).join(separator)})`);
  }

  static int(value: number): PsValue {
    return new PsValue(psInt(value));
  }

  static bool(value: boolean): PsValue {
    return new PsValue(psBool(value));
  }

  /** A bare word (a registry value or service name as a parameter or member name): letters, digits, '_'. */
  static name(value: string): PsValue {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new RangeError(`not a bare PowerShell name: ${JSON.stringify(value)}`);
    return new PsValue(value);
  }

  /**
   * A single-quoted here-string (@'...'@, CRLF), which keeps every character as it is; refused
   * when a line would end it early (a line starting with a quote, typographic ones included, and @).
   */
  static hereString(value: string): PsValue {
    const lines = value.split(/\r?\n/);
    if (lines.some((line) => /^['\u2018\u2019\u201a\u201b]@/.test(line))) throw new RangeError("a line of the here-string starts with '@, which would end it");
    return new PsValue(["@'", ...lines, "'@"].join("\r\n"));
  }

  /** True only for values the factories made (a look-alike object or a string is not one). */
  static isPsValue(value: unknown): value is PsValue {
    return typeof value === "object" && value !== null && #text in value;
  }

  /**
   * Fills every `'{{p2vfix:name}}'` tag of a template (quotes included) with its value's text,
   * in one pass: text a value brings in is never read as a tag. Refuses a tag with no value, a
   * value with no tag, a tag not written exactly so, and anything but a PsValue. The result is
   * a value too, so a rendered template can fill another's tag. Only render-template.ts calls
   * this, with the text of one of the package's own data/firstboot files (a test checks).
   */
  static fillTemplate(template: string, values: Readonly<Record<string, PsValue>>, where: string): PsValue {
    for (const [tag, value] of Object.entries(values)) {
      if (!PsValue.isPsValue(value)) throw new TypeError(`${where}: the value of tag ${tag} is not an escaped PowerShell value`);
      if (!template.includes(`'{{p2vfix:${tag}}}'`)) throw new RangeError(`${where}: unknown tag ${tag} (not in the template)`);
    }
    const text = template.replace(TAG, (_whole, tag: string) => {
      if (!Object.hasOwn(values, tag)) throw new RangeError(`${where}: tag ${tag} has no value`);
      return values[tag].#text;
    });
    const stray = STRAY_TAG.exec(template.replace(TAG, ""));
    if (stray) throw new RangeError(`${where}: malformed tag ${JSON.stringify(stray[0])} (write '{{p2vfix:name}}' with its quotes)`);
    return new PsValue(text);
  }
}

/** A template tag: a single-quoted string literal, so the template parses as PowerShell on its own (global: use with replace/matchAll, which reset it). */
export const TAG = /'\{\{p2vfix:([A-Za-z][A-Za-z0-9]*)\}\}'/g;
const STRAY_TAG = /\{\{\s*p2vfix[^}]*\}*/i;
