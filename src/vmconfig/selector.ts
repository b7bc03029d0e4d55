/** Resolves a NicSelector (--nic N, --mac MAC, --all, or nothing) against a definition's NICs. */
import { NotFoundError, UsageError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import type { Nic, NicSelector } from "./types.js";

export function selectNics(nics: Nic[], selector: NicSelector, path: string): Nic[] {
  const given = [selector.nic !== undefined, selector.mac !== undefined, selector.all === true].filter(Boolean).length;
  if (given > 1) throw new UsageError("bad-selector", "give only one of --nic, --mac, --all", { path });
  if (selector.all) {
    if (nics.length === 0) throw new NotFoundError("no-nic", "the definition has no network adapter", { path });
    return nics;
  }
  if (selector.nic !== undefined) {
    const found = nics.filter((nic) => nic.index === selector.nic);
    if (found.length === 0) {
      throw new NotFoundError("nic-not-found", `no NIC ${selector.nic} (NICs: ${nics.map((nic) => nic.index).join(", ") || "none"})`, { path });
    }
    return found;
  }
  if (selector.mac !== undefined) {
    const mac = normaliseMac(selector.mac);
    if (!mac) throw new UsageError("bad-mac", `not a MAC address: ${selector.mac}`, { path });
    const found = nics.filter((nic) => nic.mac === mac);
    if (found.length === 0) throw new NotFoundError("nic-not-found", `no NIC with MAC ${mac}`, { path });
    return found;
  }
  if (nics.length === 1) return nics;
  if (nics.length === 0) throw new NotFoundError("no-nic", "the definition has no network adapter", { path });
  throw new UsageError("ambiguous-nic", `the definition has ${nics.length} NICs: choose one with --nic or --mac, or use --all`, { path });
}
