/**
 * NIC teaming (reference §10, teaming caveat): the team's members are gone in the VM while its
 * virtual miniport keeps the server's address. The teaming drivers and protocols are disabled
 * offline (original Start recorded); the address moves with the static-ip fixup, and the team
 * software is uninstalled at first boot by the vendor-software fixup.
 */
import { serviceStart } from "./helpers.js";
import { emptyResult, findingsFor, type Fixup } from "./types.js";

const ID = "teaming";

export const teamingFixup: Fixup = {
  id: ID,
  title: "NIC teaming drivers off",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    if (this.detect(context.model, context.findings).length === 0) return result;
    for (const item of context.model.services.items) {
      if (item.vendor?.category !== "teaming" || !item.installed || item.start === 4) continue;
      result.services.push(serviceStart(context, ID, item, 4, `${item.vendor.vendor} teaming driver: its member NICs do not exist in the VM`));
    }
    const teams = context.model.network.adapters.filter((adapter) => adapter.team);
    if (teams.length > 0) {
      result.notices.push(`The team adapter${teams.length > 1 ? "s" : ""} (${teams.map((team) => team.driverDesc ?? team.classKey).join(", ")}) stay${teams.length > 1 ? "" : "s"} registered until the team software is uninstalled inside the VM; with its driver disabled it no longer starts.`);
    }
    return result;
  },
};
