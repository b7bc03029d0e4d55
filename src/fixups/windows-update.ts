/**
 * Windows Update must not stall the first boot (reference §11.2, §11.3): a WSUS server in the
 * machine policy, a WinHTTP proxy set with netsh at first boot (the WinHttpSettings blob is
 * not written offline), and optionally wuauserv/BITS held until the steps are done.
 */
import { psString } from "../firstboot/powershell-text.js";
import { dword, serviceByName, serviceStart, sz } from "./helpers.js";
import { fixupKnowledge } from "./knowledge.js";
import { emptyResult, type Fixup } from "./types.js";

const ID = "windows-update";
const WU = "Policies\\Microsoft\\Windows\\WindowsUpdate";

export const windowsUpdateFixup: Fixup = {
  id: ID,
  title: "Windows Update: WSUS, proxy, held until configured",
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    const updateOptions = context.options.windowsUpdate;
    if (updateOptions.wsusServer) {
      if (!context.hives.software) result.notices.push("windowsUpdate.wsusServer needs the SOFTWARE hive: not set.");
      else {
        const why = `Windows Update uses the WSUS server ${updateOptions.wsusServer}`;
        for (const name of ["WUServer", "WUStatusServer"]) result.registry.push({ kind: "set-value", fixup: ID, hive: "SOFTWARE", key: WU, name, data: sz(updateOptions.wsusServer), reason: why });
        result.registry.push({ kind: "set-value", fixup: ID, hive: "SOFTWARE", key: `${WU}\\AU`, name: "UseWUServer", data: dword(1), reason: why });
      }
    }
    if (updateOptions.proxy) {
      if (!context.firstBoot) result.notices.push(`Set the WinHTTP proxy by hand after the first boot: netsh winhttp set proxy ${updateOptions.proxy}.`);
      else {
        const args = [`proxy-server=${updateOptions.proxy}`, ...(updateOptions.proxyBypass ? [`bypass-list=${updateOptions.proxyBypass}`] : [])];
        result.steps.push({
          kind: "firstboot-step",
          fixup: ID,
          reason: "Windows Update and CRL downloads go through the proxy of the target network",
          id: "winhttp-proxy",
          title: `WinHTTP proxy ${updateOptions.proxy}`,
          shell: "powershell",
          script: [`$out = & netsh.exe winhttp set proxy ${args.map(psString).join(" ")} 2>&1`, "Write-Output (@($out) -join ' ')", "exit $LASTEXITCODE"].join("\r\n"),
          timeoutSeconds: 120,
          retries: 1,
        });
      }
    }
    if (updateOptions.holdUntilConfigured) {
      if (!context.firstBoot) result.notices.push("windowsUpdate.holdUntilConfigured needs the first-boot runner to restore the services: not held.");
      else {
        for (const entry of fixupKnowledge().held.services.filter((service) => service.group === "windowsUpdate")) {
          const service = serviceByName(context, entry.name);
          if (!service || !service.installed || service.start === null || service.start > 2) continue;
          result.services.push(serviceStart(context, ID, service, 3, `${service.name} held back until the first-boot steps are done, then restored`, { reEnable: true }));
        }
      }
    }
    return result;
  },
};
