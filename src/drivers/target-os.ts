/**
 * The Windows an INF is resolved for, and the TargetOSVersion decorations of [Manufacturer]
 * ("Combining platform extensions with operating system versions",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/combining-platform-extensions-with-operating-system-versions):
 *   nt[Architecture][.[OSMajorVersion][.[OSMinorVersion][.[ProductType][.[SuiteMask][.[BuildNumber]]]]]]
 * A decoration applies when its architecture is the target's, the target's version is at least
 * the one given, the product type (1 workstation, 2 domain controller, 3 server) equals it
 * when given, and the build is at least the one given (Windows 10 1607+). Windows picks the
 * closest, i.e. the highest version that applies. Models sections of non-x86 targets must be
 * decorated with the architecture (INF Manufacturer section doc,
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/inf-manufacturer-section).
 */
export type WindowsArch = "x86" | "amd64" | "arm64";

export interface TargetOs {
  arch: WindowsArch;
  major: number;
  minor: number;
  build: number;
  /** 1 workstation (client), 2 domain controller, 3 server. */
  productType: 1 | 2 | 3;
}

export interface Decoration {
  text: string;
  arch?: string;
  major?: number;
  minor?: number;
  productType?: number;
  suiteMask?: number;
  build?: number;
}

const num = (text: string | undefined): number | undefined => (text === undefined || text === "" ? undefined : text.toLowerCase().startsWith("0x") ? parseInt(text.slice(2), 16) : parseInt(text, 10));

/** Parses "NTamd64.10.0...17763"; undefined when it is not a TargetOSVersion decoration. */
export function parseDecoration(text: string): Decoration | undefined {
  const match = /^nt(x86|amd64|ia64|arm64|arm)?(?:\.([^.]*)(?:\.([^.]*)(?:\.([^.]*)(?:\.([^.]*)(?:\.([^.]*))?)?)?)?)?$/i.exec(text.trim());
  if (!match) return undefined;
  const fields = [match[2], match[3], match[4], match[5], match[6]].map(num);
  if (fields.some((field) => field !== undefined && Number.isNaN(field))) return undefined;
  const decoration: Decoration = { text: text.trim() };
  if (match[1]) decoration.arch = match[1].toLowerCase();
  const [major, minor, productType, suiteMask, build] = fields;
  if (major !== undefined) decoration.major = major;
  if (minor !== undefined) decoration.minor = minor;
  if (productType !== undefined) decoration.productType = productType;
  if (suiteMask !== undefined) decoration.suiteMask = suiteMask;
  if (build !== undefined) decoration.build = build;
  return decoration;
}

/** Why the decoration does not apply to `os`, or undefined when it does. */
export function decorationMismatch(decoration: Decoration, os: TargetOs): string | undefined {
  const arch = decoration.arch ?? "x86";
  if (arch !== os.arch) return `for ${arch}, the image is ${os.arch}`;
  const version = (decoration.major ?? 0) * 1000 + (decoration.minor ?? 0);
  if (os.major * 1000 + os.minor < version) return `needs Windows NT ${decoration.major}.${decoration.minor ?? 0} or later, the image is ${os.major}.${os.minor}`;
  if (decoration.productType !== undefined && decoration.productType !== 0) {
    // A domain controller is a server for driver purposes. UNVERIFIED: the docs list 1, 2 and 3
    // as the product types; whether setupapi lets 3 match a DC (2) is not stated.
    const matches = decoration.productType === os.productType || (decoration.productType === 3 && os.productType === 2);
    if (!matches) return `for product type ${decoration.productType} (${decoration.productType === 1 ? "workstation" : "server"}), the image is ${os.productType === 1 ? "a workstation" : "a server"}`;
  }
  if (decoration.build !== undefined && os.build < decoration.build) return `needs build ${decoration.build} or later, the image is build ${os.build}`;
  return undefined;
}

/** Orders applying decorations: the closest (highest version, then build, then a product type given) first. */
export function compareDecorations(left: Decoration, right: Decoration): number {
  const key = (decoration: Decoration) => [decoration.major ?? 0, decoration.minor ?? 0, decoration.build ?? 0, decoration.productType ? 1 : 0];
  const ka = key(left);
  const kb = key(right);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i] - ka[i];
  return 0;
}

export function describeOs(os: TargetOs): string {
  return `Windows NT ${os.major}.${os.minor} build ${os.build} ${os.productType === 1 ? "client" : "server"} ${os.arch}`;
}
