/**
 * Certificate revocation checks that cannot reach their CRL server stall signed-code and TLS
 * work on an isolated network (reference §11.1). The machine policy for server certificate
 * revocation (WinINet) is set; the per-user WinTrust publisher setting lives in user hives,
 * which this fixup does not write: the plan says so.
 */
import { dword } from "./helpers.js";
import { emptyResult, type Fixup } from "./types.js";

const ID = "crl-check";

export const crlCheckFixup: Fixup = {
  id: ID,
  title: "Certificate revocation checks off",
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    if (!context.options.crl.disableRevocationCheck) return result;
    if (!context.hives.software) {
      result.notices.push("crl.disableRevocationCheck needs the SOFTWARE hive: not set.");
      return result;
    }
    result.registry.push({
      kind: "set-value",
      fixup: ID,
      hive: "SOFTWARE",
      key: "Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
      name: "CertificateRevocation",
      data: dword(0),
      reason: "machine policy: no server certificate revocation check (CRL servers are unreachable from the isolated network)",
    });
    result.notices.push("The per-user publisher revocation check (WinTrust State in each user hive) is not changed by this plan.");
    return result;
  },
};
