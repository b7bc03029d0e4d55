/**
 * Steps: uninstall the old hardware vendor's agents with their own uninstallers, from the
 * model's SOFTWARE\...\Uninstall\* entries. QuietUninstallString when there is one; an MSI
 * product (`MsiExec.exe /I{GUID}` or `/X{GUID}`) becomes `MsiExec.exe /X{GUID} /qn /norestart`;
 * anything else runs as recorded (the step's time limit ends an uninstaller waiting for input).
 * MSI 1605 (product not installed) counts as done; 3010 is success with a restart needed.
 */
import { PlanError } from "../../errors.js";
import type { FirstBootStep } from "../../changes/change.js";

export interface UninstallEntry {
  /** Uninstall key name or DisplayName: names the step. */
  name: string;
  displayName?: string;
  uninstallString?: string;
  quietUninstallString?: string;
}

const MSI = /^\s*"?(?:[A-Za-z]:\\[^"]*\\)?msiexec(?:\.exe)?"?\s+\/[IX]\s*(\{[0-9A-Fa-f-]{36}\})/i;

/** The command line the step runs for one entry. */
export function uninstallCommand(entry: UninstallEntry): string {
  const quiet = entry.quietUninstallString?.trim();
  const plain = entry.uninstallString?.trim();
  const msi = MSI.exec(quiet || plain || "");
  if (msi) return `MsiExec.exe /X${msi[1].toUpperCase()} /qn /norestart`;
  const command = quiet || plain;
  if (!command) throw new PlanError("no-uninstaller", `${entry.name}: no UninstallString or QuietUninstallString`);
  if (/[\r\n\u0000]/.test(command)) throw new PlanError("bad-uninstaller", `${entry.name}: the uninstall command spans several lines`);
  return command;
}

/**
 * A command as literal batch-file text: in a batch file `%` starts a variable reference
 * and `^%` does not escape it; `%%` is a literal percent sign (cmd's batch parser, phase 1).
 * The uninstall string is run as recorded, so no reference in it is expanded.
 */
export function batchLiteral(command: string): string {
  return command.replace(/%/g, "%%");
}

function slug(name: string): string {
  const idPart = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return idPart.slice(0, 48) || "entry";
}

export function uninstallStep(entry: UninstallEntry, options: { fixup?: string; timeoutSeconds?: number } = {}): FirstBootStep {
  const command = uninstallCommand(entry);
  const label = entry.displayName ?? entry.name;
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "vendor-agents",
    reason: `${label} belongs to the old hardware; its own uninstaller removes it cleanly`,
    id: `uninstall-${slug(entry.name)}`,
    title: `Uninstall ${label}`,
    shell: "cmd",
    script: ["@echo off", `echo running: ${batchLiteral(command).replace(/[\^&|<>]/g, "^$&")}`, batchLiteral(command), "set rc=%ERRORLEVEL%", 'if "%rc%"=="1605" exit /b 0', "exit /b %rc%"].join("\r\n"),
    timeoutSeconds: options.timeoutSeconds ?? 1200,
    retries: 0,
  };
}
