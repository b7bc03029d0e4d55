/**
 * Network-dependent services held back during the first boot (issue 7: "keep network-dependent
 * services from starting until the network is configured"): Start=3 offline, original Start
 * recorded and restored by the first-boot runner after its steps.
 */
import type { Service } from "../windows/schema.js";
import { serviceByName, serviceStart } from "./helpers.js";
import { fixupKnowledge } from "./knowledge.js";
import { emptyResult, type Fixup } from "./types.js";

const ID = "hold-services";

export const holdServicesFixup: Fixup = {
  id: ID,
  title: "Hold network-dependent services until the network is configured",
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    const { options } = context;
    const names = [...options.holdServices];
    if (options.holdNetworkServices) names.push(...fixupKnowledge().held.services.filter((service) => service.group === "network").map((service) => service.name));
    if (names.length === 0) return result;
    if (!context.firstBoot) {
      result.notices.push(`Services not held (${names.join(", ")}): no first-boot runner on this Windows to restore them.`);
      return result;
    }
    const seen = new Set<string>();
    const triggered: string[] = [];
    for (const name of names) {
      const service: Service | undefined = serviceByName(context, name);
      if (!service || seen.has(service.name.toLowerCase())) continue;
      seen.add(service.name.toLowerCase());
      if (!service.installed || service.start === null || service.start > 2) continue;
      result.services.push(serviceStart(context, ID, service, 3, `${service.name} waits until the first-boot steps have configured the network, then gets Start=${service.start} back`, { reEnable: true }));
      if (context.hives.system.key(`${context.model.controlSets.resolved}\\Services\\${service.name}\\TriggerInfo`)) triggered.push(service.name);
    }
    // Start=3 does not stop a trigger-start service: its trigger (network, domain join, device) still starts it.
    if (triggered.length > 0) result.notices.push(`${triggered.join(", ")} ${triggered.length > 1 ? "have" : "has"} start triggers (TriggerInfo): demand start (Start=3) does not keep ${triggered.length > 1 ? "them" : "it"} from starting when the trigger fires during the first boot.`);
    return result;
  },
};
