/**
 * Every generated PowerShell script parses with a real PowerShell grammar (tree-sitter-powershell,
 * WASM) without ERROR or MISSING nodes, keeps to PowerShell 2.0 (Windows 7 / 2008 R2), and
 * bounds every wait.
 */
import { describe, expect, it } from "vitest";
import { generatedPowerShell } from "./samples.js";
import { parsePowerShell } from "./powershell-grammar.js";

const scripts = generatedPowerShell();

describe("generated PowerShell parses", () => {
  it("the parser finds errors in broken scripts (the check can fail)", async () => {
    expect((await parsePowerShell("if ($a { Write-Output 1 }")).errors.length).toBeGreaterThan(0);
    expect((await parsePowerShell("$x = @(1, 2")).errors.length).toBeGreaterThan(0);
    expect((await parsePowerShell("Write-Output 'ok'\r\nexit 0")).errors).toEqual([]);
  });

  it.each(scripts)("%s has no syntax errors", async (_name, script) => {
    expect((await parsePowerShell(script)).errors).toEqual([]);
  });
});

/** PowerShell 3+ commands (NetAdapter/NetTCPIP/DnsClient/CIM/PnpDevice modules) and 3+ parameters. */
const PS3_COMMANDS = /^(Get|Set|New|Remove|Enable|Disable|Rename|Restart)-(NetAdapter\w*|NetIP\w*|NetRoute|DnsClient\w*|NetConnectionProfile|PnpDevice\w*|Cim\w*|ScheduledTask\w*)$|^Invoke-CimMethod$|^Get-CimInstance$/i;

const PS3_SYNTAX: [RegExp, string][] = [
  [/\s-(not)?in\s/i, "-in / -notin operators (3.0)"],
  [/\[ordered\]/i, "[ordered] (3.0)"],
  [/\[pscustomobject\]/i, "[pscustomobject] literal (3.0)"],
  [/^\s*class\s+\w+/im, "class definitions (5.0)"],
  [/^\s*enum\s+\w+/im, "enum definitions (5.0)"],
  [/::new\(/i, "::new() (5.0)"],
  [/\.(ForEach|Where)\(/, ".ForEach()/.Where() methods (4.0)"],
  [/\$PSItem\b/i, "$PSItem (3.0)"],
  [/^\s*using\s+(namespace|module)/im, "using statements (5.0)"],
  [/\s-Tail\s/i, "Get-Content -Tail (3.0)"],
  [/\s-Raw\b/i, "Get-Content -Raw (3.0)"],
  [/\$using:/i, "$using: scope (3.0)"],
  [/\s-shl\s|\s-shr\s/i, "-shl/-shr (3.0)"],
  [/ConvertFrom-Json|ConvertTo-Json/i, "JSON cmdlets (3.0)"],
];

describe("PowerShell 2.0 compatibility", () => {
  it("the scanner catches PS3+ constructs (the check can fail)", async () => {
    const bad = "$o = [ordered]@{a=1}\r\nif ($x -in $list) { Get-NetAdapter | Out-Null }";
    const found = PS3_SYNTAX.filter(([re]) => re.test(bad)).map(([, why]) => why);
    expect(found).toEqual(["-in / -notin operators (3.0)", "[ordered] (3.0)"]);
    expect((await parsePowerShell(bad)).commands.map((c) => c.name).filter((n) => PS3_COMMANDS.test(n))).toEqual(["Get-NetAdapter"]);
  });

  it.each(scripts)("%s uses no PowerShell 3+ syntax or cmdlets", async (_name, script) => {
    expect(PS3_SYNTAX.filter(([re]) => re.test(script)).map(([, why]) => why)).toEqual([]);
    const parsed = await parsePowerShell(script);
    expect(parsed.commands.map((c) => c.name).filter((n) => PS3_COMMANDS.test(n))).toEqual([]);
  });
});

describe("every wait is bounded", () => {
  it.each(scripts)("%s: loops have a deadline or a counted limit, waits a timeout", async (_name, script) => {
    const parsed = await parsePowerShell(script);
    for (const loop of parsed.whileLoops) expect(loop).toMatch(/\$deadline|\$attempt -le \$retries|^while \(\$(try|pass) -lt \d+\)/);
    for (const c of parsed.commands.filter((c) => /^Wait-Process$/i.test(c.name))) expect(c.args).toMatch(/-Timeout \S+/);
    for (const c of parsed.commands.filter((c) => /^Start-Sleep$/i.test(c.name))) expect(c.args).toMatch(/-Seconds (\d+|\$pause)$/);
    // No do/until loops (not checked above) and no self-restart.
    expect(script).not.toMatch(/\bdo\s*\{/i);
    expect(parsed.commands.filter((c) => /^(Restart-Computer|Stop-Computer)$/i.test(c.name))).toEqual([]);
  });

  it("the runner clamps retries, timeouts and boots read from the registry", async () => {
    const runner = scripts.find(([n]) => n === "runner")![1];
    expect(runner).toMatch(/if \(\$timeout -lt 1 -or \$timeout -gt 86400\) \{ \$timeout = 600 \}/);
    expect(runner).toMatch(/if \(\$retries -lt 0 -or \$retries -gt 10\) \{ \$retries = 0 \}/);
    expect(runner).toMatch(/if \(\$maxBoots -lt 1 -or \$maxBoots -gt 10\) \{ \$maxBoots = 3 \}/);
    expect(runner).toMatch(/if \(\$boots -gt \$maxBoots\) \{\r\n  Complete-Run 'gave-up'/);
    // The only restart is shutdown.exe, once, after everything is disarmed, and only when asked.
    const parsed = await parsePowerShell(runner);
    expect(parsed.commands.filter((c) => /shutdown/i.test(c.name)).map((c) => c.args)).toEqual(["/r /t 60 /c 'p2vfix first boot: a step asked for a restart' 2>&1"]);
    const complete = runner.slice(runner.indexOf("function Complete-Run"));
    expect(complete.indexOf("Disable-SetupHook")).toBeLessThan(complete.indexOf("shutdown.exe"));
    expect(complete.indexOf("Disable-ServiceHook")).toBeLessThan(complete.indexOf("shutdown.exe"));
  });
});

describe("the runner writes what the report reads", () => {
  it("run and step result value names", async () => {
    const runner = scripts.find(([n]) => n === "runner")![1];
    const written = (target: string) => [...new Set([...runner.matchAll(new RegExp(`Set-Val \\$${target} '(\\w+)'`, "g"))].map((m) => m[1]))].sort();
    expect(written("resultsKey")).toEqual(["Boots", "Finished", "Mechanism", "PnpSettled", "RebootRequired", "ServicesRestored", "Started", "State", "StepsFailed", "StepsOk", "Summary", "ValuesRestored", "WorkDir"]);
    expect(written("res")).toEqual(["Attempts", "ExitCode", "Finished", "Output", "Started", "Status", "Title"]);
    expect(written("fbKey")).toEqual(["Boots", "Claim", "Mechanism", "State"]);
  });
});

describe("ConstrainedLanguage-safe hooks", () => {
  it("bootstrap and step loader call no .NET methods; the runner only string/date ones", async () => {
    for (const name of ["bootstrap(setup)", "bootstrap(service)", "step loader"]) {
      const parsed = await parsePowerShell(scripts.find(([n]) => n === name)![1]);
      expect(parsed.methods).toEqual([]);
      expect(parsed.commands.map((c) => c.name)).not.toContain("Add-Type");
    }
    const runner = await parsePowerShell(scripts.find(([n]) => n === "runner")![1]);
    expect([...new Set(runner.methods)].sort()).toEqual(["AddSeconds", "Substring", "ToString", "ToUniversalTime", "Trim"]);
    expect(runner.commands.map((c) => c.name)).not.toContain("Add-Type");
  });
});
