/**
 * Winsock / TCP/IP reset, TCP autotuning and the new NIC's offload, jumbo frame and interrupt
 * moderation settings, as the person chooses (reference §6): all online, in first-boot steps,
 * because the NSI TCP module layout is undocumented and the new NIC exists only then.
 */
import { adapterAdvancedStep, resetNetworkStackStep, tcpAutotuningStep, type AdapterSettings } from "../firstboot/index.js";
import { emptyResult, type Fixup } from "./types.js";

const ID = "network-stack";

export const networkStackFixup: Fixup = {
  id: ID,
  title: "Network stack reset and tuning at first boot",
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    const stackOptions = context.options.networkStack;
    const settings: AdapterSettings = {
      ...(stackOptions.offload !== undefined ? { offload: stackOptions.offload } : {}),
      ...(stackOptions.jumboPacket !== undefined ? { jumboPacket: stackOptions.jumboPacket } : {}),
      ...(stackOptions.interruptModeration !== undefined ? { interruptModeration: stackOptions.interruptModeration } : {}),
    };
    const wanted = stackOptions.resetWinsock || stackOptions.resetTcpip || stackOptions.autotuning !== undefined || Object.keys(settings).length > 0;
    if (!wanted) return result;
    if (!context.firstBoot) {
      result.notices.push("Network stack reset/tuning needs the first-boot runner, which this Windows cannot run: run netsh by hand after the first boot.");
      return result;
    }
    if (stackOptions.resetWinsock || stackOptions.resetTcpip) result.steps.push(resetNetworkStackStep({ winsock: stackOptions.resetWinsock, tcpip: stackOptions.resetTcpip, fixup: ID }));
    if (stackOptions.autotuning !== undefined) result.steps.push(tcpAutotuningStep(stackOptions.autotuning, { fixup: ID }));
    if (Object.keys(settings).length > 0) {
      const oldDeviceIds = context.model.network.adapters.flatMap((adapter) => [adapter.deviceInstanceId, adapter.pnpInstanceId]).filter((id): id is string => Boolean(id));
      result.steps.push(adapterAdvancedStep({ settings, fixup: ID, oldDeviceIds, ...(context.options.mac ? { mac: context.options.mac } : {}) }));
    }
    return result;
  },
};
