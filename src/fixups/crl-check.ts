/**
 * Certificate revocation checks that cannot reach their CRL/OCSP server stall signed-code and
 * TLS work on an isolated network (reference §11.1): .NET, SQL Server and Exchange start-up
 * wait on the CryptoAPI chain engine's URL retrieval (15 s per URL, 20 s per chain by
 * default). For the first boot only, the chain engine's retrieval timeouts are shortened and
 * the WinINet machine policy skips the server certificate revocation check; the runner puts
 * every original back at the end of its run. The values live in
 * data/firstboot/crl-timeouts.yaml with their sources. The per-user WinTrust publisher setting
 * lives in user hives, which this fixup does not write: the plan says so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { dataDir } from "../windows/knowledge.js";
import { dword } from "./helpers.js";
import { emptyResult, type Fixup } from "./types.js";

const ID = "crl-check";

export const CrlTimeoutsFile = z
  .object({
    sources: z.record(z.string(), z.string()),
    values: z.array(z.object({ key: z.string().min(1), name: z.string().min(1), data: z.number().int().min(0).max(0xffffffff), source: z.string(), verified: z.boolean() }).strict()).min(1),
  })
  .strict();
export type CrlTimeoutsFile = z.infer<typeof CrlTimeoutsFile>;

let cached: CrlTimeoutsFile | undefined;

/** data/firstboot/crl-timeouts.yaml, checked (every value names a known source). */
export function crlTimeouts(): CrlTimeoutsFile {
  if (!cached) {
    const path = join(dataDir, "firstboot", "crl-timeouts.yaml");
    const parsed = CrlTimeoutsFile.safeParse(parse(readFileSync(path, "utf8")));
    if (!parsed.success) throw new Error(`${path}: ${parsed.error.message}`);
    for (const value of parsed.data.values) if (!(value.source in parsed.data.sources)) throw new Error(`${path}: unknown source ${value.source}`);
    cached = parsed.data;
  }
  return cached;
}

export const crlCheckFixup: Fixup = {
  id: ID,
  title: "Certificate revocation checks do not stall the first boot",
  firstBootOnly: true,
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    if (!context.options.crl.disableRevocationCheck) return result;
    if (!context.hives.software) {
      result.notices.push("crl.disableRevocationCheck needs the SOFTWARE hive: not set.");
      return result;
    }
    const file = crlTimeouts();
    for (const value of file.values) {
      const what = value.name === "CertificateRevocation" ? "no server certificate revocation check (WinINet machine policy)" : `CryptoAPI chain engine ${value.name} = ${value.data} ms`;
      result.registry.push({
        kind: "set-value",
        fixup: ID,
        hive: "SOFTWARE",
        key: value.key,
        name: value.name,
        data: dword(value.data),
        reason: `first boot only: ${what}, the CRL servers are unreachable from the isolated network${value.verified ? "" : " (registry form not confirmed by a Microsoft page)"}`,
      });
    }
    result.notices.push("The per-user publisher revocation check (WinTrust State in each user hive) is not changed by this plan.");
    return result;
  },
};
