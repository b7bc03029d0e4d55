/**
 * Steps: reset Winsock and TCP/IP (`netsh winsock reset`, `netsh int ip reset`), and set TCP
 * receive-window autotuning (`netsh int tcp set global autotuninglevel=`). Both resets need a
 * restart to take effect, so that step exits 3010 (success, restart needed). `int ip reset`
 * also clears static IP settings: plan it before the static-IP step (reference §6).
 */
import { PlanError } from "../../errors.js";
import type { FirstBootStep } from "../../changes/change.js";
import { psString } from "../powershell-text.js";

export function resetNetworkStackStep(options: { winsock?: boolean; tcpip?: boolean; fixup?: string } = {}): FirstBootStep {
  const winsock = options.winsock ?? true;
  const tcpip = options.tcpip ?? true;
  if (!winsock && !tcpip) throw new PlanError("empty-step", "network reset step with neither Winsock nor TCP/IP");
  // The runner's checked working folder (P2VFIX_WORKDIR); run by hand, the SYSTEM profile.
  const lines = ["$failures = 0", "$dir = $env:P2VFIX_WORKDIR", "if (-not $dir) { $dir = Join-Path $env:SystemRoot 'System32\\config\\systemprofile' }", "$log = Join-Path $dir 'int-ip-reset.log'"];
  const run = (label: string, command: string): void => {
    lines.push(
      `$out = ${command} 2>&1`,
      `Write-Output (${psString(label + ": ")} + (@($out) -join ' ') + ' (exit ' + $LASTEXITCODE + ')')`,
      "if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }",
    );
  };
  if (winsock) run("netsh winsock reset", "& netsh.exe winsock reset");
  if (tcpip) run("netsh int ip reset", "& netsh.exe int ip reset $log");
  lines.push("if ($failures -gt 0) { exit 1 }", "# The resets apply at the next restart.", "exit 3010");
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "network-reset",
    reason: "LSPs and TCP/IP settings of the old machine (old security products, tuning) can break networking after the move (reference §6)",
    id: "reset-network-stack",
    title: `Reset ${[winsock ? "Winsock" : "", tcpip ? "TCP/IP" : ""].filter(Boolean).join(" and ")}`,
    shell: "powershell",
    script: lines.join("\r\n"),
    timeoutSeconds: 300,
    retries: 1,
  };
}

export const AUTOTUNING_LEVELS = ["disabled", "highlyrestricted", "restricted", "normal", "experimental"] as const;
export type AutotuningLevel = (typeof AUTOTUNING_LEVELS)[number];

export function tcpAutotuningStep(level: AutotuningLevel, options: { fixup?: string } = {}): FirstBootStep {
  if (!(AUTOTUNING_LEVELS as readonly string[]).includes(level)) throw new PlanError("bad-autotuning", `autotuning level must be one of ${AUTOTUNING_LEVELS.join(", ")}, not ${JSON.stringify(level)}`);
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "tcp-tuning",
    reason: "TCP global settings live in the NSI store, whose layout is not documented: set them online (reference §6)",
    id: "tcp-autotuning",
    title: `TCP autotuning: ${level}`,
    shell: "cmd",
    script: `@echo off\r\nnetsh int tcp set global autotuninglevel=${level}\r\nexit /b %ERRORLEVEL%`,
    timeoutSeconds: 120,
    retries: 1,
  };
}
