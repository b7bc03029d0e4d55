/**
 * Issue 12 items 1, 2 and 7 on the generated runner, read through the real PowerShell grammar:
 * the Setup hook is disarmed before anything that can wait; nothing waits on a service; the
 * Setup-hook phase has one deadline; the runner's own process never calls WMI; children are
 * polled with HasExited, their exit code recorded by the supervisor, their tree swept; the
 * end of a run (also "gave up") disarms first and then only writes values or starts detached
 * processes; the working folder is the SYSTEM profile's, checked before use.
 */
import type { Node } from "web-tree-sitter";
import { describe, expect, it } from "vitest";
import { PROCESS_SWEEP_SCRIPT, STEP_SUPERVISOR } from "../../src/firstboot/child-scripts.js";
import { runnerScript } from "../../src/firstboot/runner-script.js";
import { WORK_DIR } from "../../src/firstboot/runner-script.js";
import { generatedPowerShell } from "./samples.js";
import { parsePowerShell, powershellParser } from "./powershell-grammar.js";

/** Commands that can wait (or start something that can): none may run before the disarm. */
const CAN_WAIT = /^(Get-WmiObject|Invoke-Child|Start-Process|Wait-Process|Start-Sleep|Start-Service|Stop-Service|Restart-Service|Stop-ProcessTree|Invoke-Step|Send-ToService|&)$/i;

interface Program {
  /** Function name → the command names its body calls (in order). */
  functions: Map<string, string[]>;
  /** Top-level statements (not function definitions) → the command names each calls. */
  statements: { text: string; commands: string[] }[];
}

function commandsIn(node: Node): string[] {
  const out: string[] = [];
  const stack: Node[] = [node];
  const found: { at: number; name: string }[] = [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "command") {
      const name = n.childForFieldName("command_name") ?? n.namedChildren.find((c) => c?.type === "command_name") ?? null;
      found.push({ at: n.startIndex, name: name ? name.text : n.text.trim().startsWith("&") ? "&" : n.text.split(/\s/)[0] });
    }
    for (let i = n.childCount - 1; i >= 0; i--) stack.push(n.child(i)!);
  }
  for (const f of found.sort((a, b) => a.at - b.at)) out.push(f.name);
  return out;
}

async function program(script: string): Promise<Program> {
  const tree = (await powershellParser()).parse(script)!;
  const functions = new Map<string, string[]>();
  const statements: Program["statements"] = [];
  const visit = (n: Node): void => {
    if (n.type === "function_statement") {
      const name = n.namedChildren.find((c) => c?.type === "function_name")!.text;
      functions.set(name.toLowerCase(), commandsIn(n));
      return;
    }
    if (n.type === "program" || n.type === "statement_list") {
      for (const c of n.namedChildren) if (c) visit(c);
      return;
    }
    if (n.type !== "comment") statements.push({ text: n.text, commands: commandsIn(n) });
  };
  visit(tree.rootNode);
  tree.delete();
  return { functions, statements };
}

/** Every command a call of `names` reaches, following the script's own functions. */
function reach(p: Program, names: string[]): Set<string> {
  const out = new Set<string>();
  const todo = [...names];
  while (todo.length) {
    const name = todo.pop()!;
    if (out.has(name.toLowerCase())) continue;
    out.add(name.toLowerCase());
    todo.push(...(p.functions.get(name.toLowerCase()) ?? []));
  }
  return out;
}

const canWait = (p: Program, names: string[]): string[] => [...reach(p, names)].filter((n) => CAN_WAIT.test(n));

describe("the runner disarms before anything can wait", () => {
  it("the first top-level statement is the Setup hook's disarm, which itself cannot wait", async () => {
    const p = await program(runnerScript());
    const firstCall = p.statements.findIndex((s) => s.commands.some((c) => p.functions.has(c.toLowerCase()) || CAN_WAIT.test(c)));
    expect(p.statements[firstCall].text).toBe("Disable-SetupHook");
    expect(canWait(p, ["Disable-SetupHook"])).toEqual([]);
    // Nothing before it can wait either (only assignments and Join-Path).
    expect(p.statements.slice(0, firstCall).flatMap((s) => s.commands).filter((c) => CAN_WAIT.test(c))).toEqual([]);
  });

  it("the check can fail: a WMI call moved before the disarm is found", async () => {
    const bad = runnerScript().replace("\r\nDisable-SetupHook\r\n", "\r\n$x = Get-WmiObject -Class Win32_OperatingSystem\r\nDisable-SetupHook\r\n");
    const p = await program(bad);
    const firstWait = p.statements.findIndex((s) => canWait(p, s.commands).length > 0);
    const disarm = p.statements.findIndex((s) => s.text === "Disable-SetupHook");
    expect(firstWait).toBeLessThan(disarm);
    const good = await program(runnerScript());
    expect(good.statements.findIndex((s) => canWait(good, s.commands).length > 0)).toBeGreaterThan(good.statements.findIndex((s) => s.text === "Disable-SetupHook"));
  });

  it("the end of a run, gave-up included, disarms both hooks first and then never waits", async () => {
    const p = await program(runnerScript());
    const complete = p.functions.get("complete-run")!;
    const firstRestore = complete.findIndex((c) => /^Restore-/.test(c));
    expect(complete.indexOf("Disable-SetupHook")).toBe(0);
    expect(complete.indexOf("Disable-ServiceHook")).toBe(1);
    expect(firstRestore).toBeGreaterThan(1);
    // Only detached starts (Start-Process without -Wait): no WMI, no child waits, no sleeps.
    expect(canWait(p, ["Complete-Run"]).sort()).toEqual(["start-process"]);
    expect(runnerScript()).not.toMatch(/Start-Process[^\r\n]*-Wait\b/);
    const gaveUp = p.statements.find((s) => s.text.startsWith("if ($boots -gt $maxBoots)"))!;
    expect(gaveUp.commands).toEqual(["Complete-Run"]);
  });
});

describe("no service waits, no WMI in the runner, bounded children", () => {
  it("no generated script calls Start-Service, Stop-Service or Restart-Service", async () => {
    for (const [name, script] of [...generatedPowerShell(), ["runner (again)", runnerScript()] as [string, string]]) {
      const names = (await parsePowerShell(script)).commands.map((c) => c.name);
      expect(names.filter((n) => /^(Start|Stop|Restart)-Service$/i.test(n)), name).toEqual([]);
    }
  });

  it("the runner's own process makes no WMI call; WMI lives in the children it kills at their limit", async () => {
    const names = (await parsePowerShell(runnerScript())).commands.map((c) => c.name);
    expect(names.filter((n) => /^(Get-WmiObject|Invoke-WmiMethod|Get-CimInstance)$/i.test(n))).toEqual([]);
    expect((await parsePowerShell(PROCESS_SWEEP_SCRIPT)).commands.map((c) => c.name)).toContain("Get-WmiObject");
  });

  it("children: polled with HasExited (no Wait-Process 32767 s cap, no Get-Process -Id liveness), tree killed, exit code recorded", async () => {
    const runner = runnerScript();
    const names = (await parsePowerShell(runner)).commands.map((c) => c.name);
    expect(names).not.toContain("Wait-Process");
    expect(runner).toContain("while (-not $p.HasExited -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 1 }");
    expect(runner).not.toMatch(/Get-Process -Id \$p\.Id/);
    expect(runner).toMatch(/taskkill\.exe \/T \/F \/PID \$p\.Id/);
    expect(runner).toContain("Invoke-Child $processSweep");
    // The supervisor writes the step's code after the step, before its own exit.
    const s = STEP_SUPERVISOR.split("\r\n");
    expect(s.findIndex((l) => l.includes("ChildExit"))).toBeLessThan(s.indexOf("exit $code"));
    expect(s.findIndex((l) => l.includes("ChildExit"))).toBeGreaterThan(s.findIndex((l) => l.includes("-EncodedCommand $env:P2VFIX_LOADER")));
  });

  it("the Setup-hook phase has one deadline, read from the plan and clamped; past it the service takes over", () => {
    const runner = runnerScript();
    expect(runner).toContain("$phaseSeconds = [int](Get-Val $fbKey 'SetupDeadlineSeconds' 600)");
    expect(runner).toContain("if ($phaseSeconds -lt 60 -or $phaseSeconds -gt 3600) { $phaseSeconds = 600 }");
    expect(runner).toContain("if ($m -eq 'setup') { $phaseEnd = $phaseStart.AddSeconds($phaseSeconds) } else { $phaseEnd = $null }");
    expect(runner).toMatch(/if \(\$left -lt \$limit\) \{ \$limit = \$left; \$cut = \$true \}/);
    expect(runner).toMatch(/Start-Process -FilePath \$scExe -ArgumentList \('start ' \+ \$serviceName\)/);
  });

  it("retries wait with a growing pause, bounded by the phase", () => {
    const runner = runnerScript();
    expect(runner).toContain("if ((Get-PhaseLeft) -le $pause) { return 'interrupted' }");
    expect(runner).toContain("if ($pause -lt 120) { $pause = $pause * 2 }");
  });

  it("the run is claimed by PID and process start time, not by LastBootUpTime", () => {
    const runner = runnerScript();
    expect(runner).not.toContain("LastBootUpTime");
    expect(runner).toContain("[string]$p.Id + '@' + $p.StartTime.ToUniversalTime().ToString('yyyyMMddHHmmssfffffff')");
  });
});

describe("the working folder", () => {
  it("lives in the SYSTEM profile and is checked (owner, ACL, no reparse point) before use", () => {
    const runner = runnerScript();
    expect(WORK_DIR).toBe("System32\\config\\systemprofile\\p2vfix-firstboot");
    for (const [name, script] of generatedPowerShell()) expect(script, name).not.toMatch(/Temp\\p2vfix/i);
    expect(runner).toContain("$env:P2VFIX_WORKDIR = $workDir");
    expect(runner).toContain("if (-not ($sddl -match '^O:(SY|BA|S-1-5-18|S-1-5-32-544)(G:|D:|$)')) { return $false }");
    expect(runner).toContain("if ([string]$item.Attributes -match 'ReparsePoint') { return $false }");
    // Used only after the check; never removed.
    const body = runner.slice(runner.indexOf("function Get-WorkDir"));
    expect(body.indexOf("if (Test-SafeFolder $dir) { return $dir }")).toBeGreaterThan(0);
    expect(body.slice(0, body.indexOf("\r\n}\r\n"))).not.toMatch(/Remove-Item/);
  });

  it("the ACE check refuses write for Users and accepts read/execute (PowerShell -match semantics, same in JS)", () => {
    const runner = runnerScript();
    const ace = /'\^A;\[\^;\]\*;\(\[\^;\]\*\);\[\^;\]\*;\[\^;\]\*;\(\[\^\)\]\*\)\\\)'/;
    expect(runner).toMatch(ace);
    const readOnly = /^(FR|GR|GX|FX|GRGX|FRFX|0x1200a9)?$/;
    const parse = (a: string) => /^A;[^;]*;([^;]*);[^;]*;[^;]*;([^)]*)\)/.exec(a)!;
    expect(readOnly.test(parse("A;OICI;0x1200a9;;;BU)")[1])).toBe(true);
    expect(readOnly.test(parse("A;OICI;FA;;;BU)")[1])).toBe(false);
    expect(readOnly.test(parse("A;OICIIO;GW;;;AU)")[1])).toBe(false);
  });
});

describe("the restore list: what apply writes is what the runner reads", () => {
  it("value names of Restore\\NNN match the runner's reads, and the runner restores only unchanged values", async () => {
    const { restoreListChanges } = await import("../../src/firstboot/restore-list.js");
    const written = restoreListChanges([{ fixup: "crash-control", hive: "SYSTEM", key: "ControlSet001\\Control\\CrashControl", name: "AutoReboot", original: { type: "REG_DWORD", value: 1 }, written: { type: "REG_DWORD", value: 0 } }], "firstboot-runner")
      .filter((c) => c.kind === "set-value")
      .map((c) => (c as { name: string }).name);
    const runner = runnerScript();
    const read = [...runner.matchAll(/Get-Val \$rk '(\w+)'/g)].map((m) => m[1]);
    expect([...new Set(read)].sort()).toEqual(written.filter((n) => n !== "Fixup").sort());
    expect(runner).toContain("if ($now -ne $written) {");
  });
});
