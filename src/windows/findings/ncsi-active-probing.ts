/** NCSI will probe Microsoft's Internet hosts: on an isolated network the first boot waits. */
import { softwareEvidence, systemEvidence, shown, type FindingRule } from "./types.js";

export const ncsiActiveProbing: FindingRule = (model) => {
  const ncsi = model.network.ncsi;
  if (!ncsi.activeProbing || !ncsi.probesInternet) return [];
  const evidence = [
    systemEvidence(model, "Services\\NlaSvc\\Parameters\\Internet", "EnableActiveProbing", ncsi.enableActiveProbing === null ? "(absent: default 1)" : shown(ncsi.enableActiveProbing)),
    systemEvidence(model, "Services\\NlaSvc\\Parameters\\Internet", "ActiveWebProbeHost", ncsi.webProbeHost ?? "(absent: built-in default)"),
  ];
  if (model.sources.software !== null) {
    evidence.push(softwareEvidence("Policies\\Microsoft\\Windows\\NetworkConnectivityStatusIndicator", "NoActiveProbe", shown(ncsi.policyNoActiveProbe)));
  }
  return [
    {
      id: "ncsi-active-probing",
      severity: "warning",
      title: "NCSI active probing targets the Internet",
      detail:
        "Network Connectivity Status Indicator probes " +
        (ncsi.webProbeHost ?? "Microsoft's public host") +
        "; on an isolated network the first boot waits on 'Identifying network' and applications see 'No Internet access'.",
      evidence,
      fixup: "ncsi",
    },
  ];
};
