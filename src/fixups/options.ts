/**
 * What a person can choose about the fixups: a profile (data/profiles/*.yaml) sets these, the
 * command line overrides a few (--target, --keep-ip, --mac). One zod schema, so a profile with
 * a typo is an error that names the field.
 */
import { z } from "zod";
import { AUTOTUNING_LEVELS } from "../firstboot/index.js";

export const TARGET_HYPERVISORS = ["hyperv", "vmware", "kvm", "xen"] as const;

/** How the first-boot runner is installed and bounded (profiles and plan files share it). */
export const FirstBootRunnerOptions = z
  .object({
    mechanism: z.enum(["both", "setup", "service"]).default("both"),
    maxBoots: z.number().int().min(1).max(10).default(3),
    pnpSettleSeconds: z.number().int().min(0).max(3600).default(300),
    rebootWhenRequired: z.boolean().default(false),
    setupDeadlineSeconds: z.number().int().min(60).max(3600).default(600).describe("Longest time the Setup hook holds the logon screen; then the fallback service takes the remaining steps"),
  })
  .strict();

export const FIRST_BOOT_DEFAULTS = { mechanism: "both", maxBoots: 3, pnpSettleSeconds: 300, rebootWhenRequired: false, setupDeadlineSeconds: 600 } as const;

export const FixupOptionsSchema = z
  .object({
    target: z.enum(TARGET_HYPERVISORS).optional().describe("Target hypervisor: boot storage and guest tools"),
    keepIp: z.boolean().default(true).describe("Move the old static IP configuration to the new NIC at first boot"),
    mac: z.string().optional().describe("MAC of the new NIC (the first-boot steps find it by MAC)"),
    macs: z.array(z.string()).default([]).describe("MACs of the new NICs, given in order to the old adapters with a static configuration (plan --mac M1 --mac M2)"),
    nics: z
      .array(z.object({ adapter: z.string().min(1).describe("Old adapter: connection name, interface GUID or class key"), mac: z.string().describe("MAC of the new NIC that takes its configuration") }).strict())
      .default([])
      .describe("Old adapter → new NIC, before the --mac list is given out"),
    vmNics: z
      .array(z.object({ mac: z.string().optional(), model: z.string() }).strict())
      .default([])
      .describe("The VM's NICs (from --vm): their models are checked against the NIC drivers in the image"),
    disable: z.array(z.string()).default([]).describe("Fixup ids left out of the plan"),
    ncsi: z
      .object({
        mode: z.enum(["disable-probing", "internal-probe"]).default("disable-probing"),
        probeHost: z.string().optional().describe("internal-probe: web server answering the NCSI probe"),
        probePath: z.string().default("ncsi.txt"),
        probeContent: z.string().default("Microsoft NCSI"),
        dnsProbeHost: z.string().optional(),
        dnsProbeContent: z.string().optional(),
        alwaysExpectDomainController: z.boolean().default(true).describe("Domain members: NLA keeps retrying domain detection"),
      })
      .strict()
      .default({ mode: "disable-probing", probePath: "ncsi.txt", probeContent: "Microsoft NCSI", alwaysExpectDomainController: true }),
    holdServices: z
      .array(z.string())
      .default([])
      .describe("Extra services held back (Start=3) until the first-boot steps are done, then restored"),
    holdNetworkServices: z.boolean().default(false).describe("Hold the network-dependent services of data/fixups/held-services.yaml"),
    vendor: z
      .object({
        uninstall: z.boolean().default(true).describe("Uninstall the old vendor's software at first boot"),
        extraServices: z.array(z.string()).default([]).describe("More services to disable (Start=4)"),
      })
      .strict()
      .default({ uninstall: true, extraServices: [] }),
    ghostDevices: z
      .object({ enabled: z.boolean().default(true), classes: z.array(z.string()).optional() })
      .strict()
      .default({ enabled: true }),
    networkStack: z
      .object({
        resetWinsock: z.boolean().default(false),
        resetTcpip: z.boolean().default(false),
        autotuning: z.enum(AUTOTUNING_LEVELS).optional(),
        offload: z.boolean().optional(),
        jumboPacket: z.number().int().optional(),
        interruptModeration: z.boolean().optional(),
      })
      .strict()
      .default({ resetWinsock: false, resetTcpip: false }),
    windowsUpdate: z
      .object({
        wsusServer: z.string().optional().describe("WSUS URL, e.g. http://wsus:8530"),
        proxy: z.string().optional().describe("WinHTTP proxy host:port, set with netsh at first boot"),
        proxyBypass: z.string().optional(),
        holdUntilConfigured: z.boolean().default(false).describe("Hold wuauserv and BITS until the first-boot steps are done"),
      })
      .strict()
      .default({ holdUntilConfigured: false }),
    crl: z.object({ disableRevocationCheck: z.boolean().default(false) }).strict().default({ disableRevocationCheck: false }),
    crashControl: z.object({ autoRebootOff: z.boolean().default(true) }).strict().default({ autoRebootOff: true }),
    bootStorage: z.object({ sanPolicyOnlineAll: z.boolean().default(true) }).strict().default({ sanPolicyOnlineAll: true }),
    firstBoot: FirstBootRunnerOptions.default(FIRST_BOOT_DEFAULTS),
  })
  .strict();

export type FixupOptions = z.infer<typeof FixupOptionsSchema>;
export type FixupOptionsInput = z.input<typeof FixupOptionsSchema>;
