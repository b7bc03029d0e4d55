/**
 * SAN policy for the first boot (reference §9): on a new disk controller Windows may leave the
 * data disks offline (SanPolicy 2/3, "Offline Shared"/"Offline All", the default on Enterprise
 * and Datacenter editions). partmgr\Parameters SanPolicy=1 (OnlineAll) brings them online
 * once; the runner puts the original policy back after the first boot (a disk once online
 * stays online: the policy only decides for disks Windows sees for the first time).
 * Source: https://learn.microsoft.com/en-us/windows-hardware/customize/desktop/unattend/microsoft-windows-partitionmanager-sanpolicy
 *
 * Not on failover cluster nodes (ClusSvc enabled: the cluster owns its shared disks, and
 * bringing one online outside the cluster risks the data on it) nor with iSCSI (MSiSCSI
 * automatic) or MPIO (mpio installed and enabled): there the offline default protects LUNs
 * another host may use; the plan says why and leaves the policy alone.
 */
import { bootStorageFixup } from "./boot-storage.js";
import { dword, serviceByName } from "./helpers.js";
import { emptyResult, type Fixup, type FixupContext } from "./types.js";

const ID = "san-policy";

/** Why the SAN policy must stay as it is, or [] when it may change. */
export function sharedStorageReasons(context: FixupContext): string[] {
  const reasons: string[] = [];
  const enabled = (name: string, maxStart: number): boolean => {
    const service = serviceByName(context, name);
    return !!service && service.installed && service.start !== null && service.start <= maxStart;
  };
  if (enabled("ClusSvc", 3)) reasons.push("the Cluster Service (ClusSvc) is enabled: this is a failover cluster node");
  if (enabled("MSiSCSI", 2)) reasons.push("the Microsoft iSCSI Initiator service starts automatically");
  if (enabled("mpio", 3)) reasons.push("Multipath I/O (mpio) is enabled");
  return reasons;
}

export const sanPolicyFixup: Fixup = {
  id: ID,
  title: "Data disks come online on the new controller (first boot only)",
  firstBootOnly: true,
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    const { model, options, hives } = context;
    const build = model.installation.build;
    if (!options.bootStorage.sanPolicyOnlineAll || build === null || build < 6000) return result;
    // Only when the boot storage moves to another controller (the boot-storage fixup has work).
    const storage = bootStorageFixup.plan(context);
    if (storage.registry.length + storage.services.length === 0) return result;
    const shared = sharedStorageReasons(context);
    if (shared.length > 0) {
      result.notices.push(`SAN policy left as it is: ${shared.join("; ")}. Bring the data disks online by hand (diskpart "online disk") once you know no other host uses them.`);
      return result;
    }
    const current = hives.system.key(`${model.controlSets.resolved}\\Services\\partmgr\\Parameters`)?.value("SanPolicy")?.dword();
    if (current === 1) return result;
    for (const cs of model.controlSets.available) {
      if (!hives.system.key(`${cs}\\Services\\partmgr`)) continue;
      result.registry.push({ kind: "set-value", fixup: ID, hive: "SYSTEM", key: `${cs}\\Services\\partmgr\\Parameters`, name: "SanPolicy", data: dword(1), reason: `SAN policy OnlineAll for the first boot (was ${current ?? "absent"}): data disks on the new controller come online; put back after the run` });
    }
    return result;
  },
};
