/**
 * NCSI / NLA (reference §5): keep the first boot from waiting on "Identifying network". Either
 * active probing off (service value and the machine policy), or the probe pointed at an
 * internal web server (the reference's preferred form for isolated networks: applications
 * then see "Internet access"). Domain members also get AlwaysExpectDomainController, so NLA
 * keeps retrying domain detection instead of settling on Public.
 */
import type { RegistryChange } from "../changes/change.js";
import { controlSetsToEdit, dword, setSystem, sz } from "./helpers.js";
import { emptyResult, findingsFor, type Fixup } from "./types.js";

const ID = "ncsi";
const INTERNET = "Services\\NlaSvc\\Parameters\\Internet";
const POLICY = "Policies\\Microsoft\\Windows\\NetworkConnectivityStatusIndicator";

export const ncsiFixup: Fixup = {
  id: ID,
  firstBootOnly: true,
  title: "NCSI and NLA: no Internet probe wait at first boot",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    const { model, options } = context;
    const ncsiOptions = options.ncsi;
    const wanted = this.detect(model, context.findings).length > 0 || ncsiOptions.mode === "internal-probe";
    if (!wanted) return result;
    const sets = controlSetsToEdit(context);
    const reg: RegistryChange[] = result.registry;
    if (ncsiOptions.mode === "internal-probe") {
      if (!ncsiOptions.probeHost) {
        result.notices.push("ncsi.mode is internal-probe but ncsi.probeHost is not set: probing is turned off instead.");
      } else {
        for (const cs of sets) {
          const why = `NCSI probes ${ncsiOptions.probeHost} on the target network instead of Microsoft's public host`;
          reg.push(setSystem(ID, cs, INTERNET, "ActiveWebProbeHost", sz(ncsiOptions.probeHost), why));
          reg.push(setSystem(ID, cs, INTERNET, "ActiveWebProbePath", sz(ncsiOptions.probePath), why));
          reg.push(setSystem(ID, cs, INTERNET, "ActiveWebProbeContent", sz(ncsiOptions.probeContent), why));
          if (ncsiOptions.dnsProbeHost) reg.push(setSystem(ID, cs, INTERNET, "ActiveDnsProbeHost", sz(ncsiOptions.dnsProbeHost), why));
          if (ncsiOptions.dnsProbeContent) reg.push(setSystem(ID, cs, INTERNET, "ActiveDnsProbeContent", sz(ncsiOptions.dnsProbeContent), why));
        }
      }
    }
    if (ncsiOptions.mode === "disable-probing" || !ncsiOptions.probeHost) {
      for (const cs of sets) {
        reg.push(setSystem(ID, cs, INTERNET, "EnableActiveProbing", dword(0), "no active HTTP/DNS probe to the Internet: the first boot does not wait on it"));
      }
      if (context.hives.software) {
        reg.push({ kind: "set-value", fixup: ID, hive: "SOFTWARE", key: POLICY, name: "NoActiveProbe", data: dword(1), reason: "machine policy: turn off NCSI active tests" });
      }
    }
    const domainMember = model.installation.role === "domain-controller" || model.installation.domainHints.length > 0;
    if (ncsiOptions.alwaysExpectDomainController && domainMember && model.network.ncsi.alwaysExpectDomainController !== 1) {
      for (const cs of sets) {
        reg.push(setSystem(ID, cs, "Services\\NlaSvc\\Parameters", "AlwaysExpectDomainController", dword(1), "domain member: NLA keeps retrying domain detection rather than settling on a Public profile"));
      }
    }
    return result;
  },
};
