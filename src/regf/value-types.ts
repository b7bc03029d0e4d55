/** Registry value type numbers (winnt.h). Any other 32-bit number is legal too (SAM stores RIDs there). */
export const RegType = {
  NONE: 0,
  SZ: 1,
  EXPAND_SZ: 2,
  BINARY: 3,
  DWORD: 4,
  DWORD_BIG_ENDIAN: 5,
  LINK: 6,
  MULTI_SZ: 7,
  RESOURCE_LIST: 8,
  FULL_RESOURCE_DESCRIPTOR: 9,
  RESOURCE_REQUIREMENTS_LIST: 10,
  QWORD: 11,
} as const;

export type RegTypeName = keyof typeof RegType;

const byNumber = new Map<number, RegTypeName>(Object.entries(RegType).map(([key, value]) => [value, key as RegTypeName]));

/** "REG_SZ" for 1; "REG_0x1f4" style for numbers outside the standard set. */
export function regTypeName(type: number): string {
  const name = byNumber.get(type);
  return name ? `REG_${name}` : `REG_0x${(type >>> 0).toString(16)}`;
}

/** Number for "REG_SZ", "SZ", "sz", "REG_0x1f4", "0x1f4" or "500"; undefined when not a type. */
export function regTypeNumber(name: string): number | undefined {
  const bare = name.trim().toUpperCase().replace(/^REG_/, "");
  if (bare in RegType) return RegType[bare as RegTypeName];
  if (/^0X[0-9A-F]{1,8}$/.test(bare)) return parseInt(bare.slice(2), 16);
  if (/^[0-9]{1,10}$/.test(bare)) {
    const parsed = Number(bare);
    return parsed <= 0xffffffff ? parsed : undefined;
  }
  return undefined;
}

export function isStringType(type: number): boolean {
  return type === RegType.SZ || type === RegType.EXPAND_SZ || type === RegType.LINK;
}
