/**
 * RegData (the plan's readable registry data) to the bytes and type number a hive stores, and
 * back to text for diffs. Strings are UTF-16LE with their terminator, as regedit writes them.
 */
import { PlanError } from "../errors.js";
import { RegType, regTypeName } from "../regf/internal.js";
import type { RegData } from "./change.js";

const utf16z = (text: string): Uint8Array => new Uint8Array(Buffer.from(text + "\u0000", "utf16le"));

export function encodeRegData(data: RegData): { type: number; bytes: Uint8Array } {
  if ("hex" in data) {
    const type = typeof data.type === "number" ? data.type : data.type === "REG_BINARY" ? RegType.BINARY : RegType.NONE;
    const hex = data.hex.replace(/[\s,:]/g, "");
    if (!/^([0-9A-Fa-f]{2})*$/.test(hex)) throw new PlanError("bad-hex", `not hex bytes: ${JSON.stringify(data.hex)}`);
    return { type, bytes: new Uint8Array(Buffer.from(hex, "hex")) };
  }
  switch (data.type) {
    case "REG_SZ":
      return { type: RegType.SZ, bytes: utf16z(data.value) };
    case "REG_EXPAND_SZ":
      return { type: RegType.EXPAND_SZ, bytes: utf16z(data.value) };
    case "REG_MULTI_SZ":
      return { type: RegType.MULTI_SZ, bytes: new Uint8Array(Buffer.from(data.value.map((text) => text + "\u0000").join("") + "\u0000", "utf16le")) };
    case "REG_DWORD": {
      if (!Number.isInteger(data.value) || data.value < 0 || data.value > 0xffffffff) throw new PlanError("bad-dword", `REG_DWORD must be 0 to 0xffffffff, not ${data.value}`);
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, data.value, true);
      return { type: RegType.DWORD, bytes: bytes };
    }
    case "REG_QWORD": {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(data.value), true);
      return { type: RegType.QWORD, bytes: bytes };
    }
  }
}

function utf16(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength - (bytes.byteLength % 2)).toString("utf16le");
}

/** Stored bytes as a person reads them in a diff: `REG_DWORD 0x00000001 (1)`, `REG_SZ "text"`. */
export function describeRegBytes(type: number, bytes: Uint8Array): string {
  const name = regTypeName(type);
  if ((type === RegType.SZ || type === RegType.EXPAND_SZ) && bytes.length % 2 === 0) {
    const text = utf16(bytes).replace(/\u0000+$/, "");
    return `${name} ${JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)}${text.length > 120 ? ` (${text.length} characters)` : ""}`;
  }
  if (type === RegType.MULTI_SZ && bytes.length % 2 === 0) {
    const parts = utf16(bytes).replace(/\u0000+$/, "").split("\u0000");
    return `${name} [${parts.filter((part, i) => part !== "" || i < parts.length - 1).map((part) => JSON.stringify(part)).join(", ")}]`;
  }
  if (type === RegType.DWORD && bytes.length === 4) {
    const dword = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    return `${name} 0x${dword.toString(16).padStart(8, "0")} (${dword})`;
  }
  if (type === RegType.QWORD && bytes.length === 8) return `${name} ${new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)}`;
  const hex = Buffer.from(bytes).toString("hex");
  return `${name} hex:${hex.length > 64 ? `${hex.slice(0, 64)}... (${bytes.length} bytes)` : hex}`;
}

export function describeRegData(data: RegData): string {
  const { type, bytes } = encodeRegData(data);
  return describeRegBytes(type, bytes);
}
