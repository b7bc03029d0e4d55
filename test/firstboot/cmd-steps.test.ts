/**
 * Issue 12 item 7 for cmd steps: the batch file keeps non-ASCII paths (UTF-8 bytes behind
 * `chcp 65001`, no byte-order mark for cmd to run as a command), and `%` in batch text is the
 * literal `%%` (review point 13: `^%` does not escape it inside a batch file).
 */
import { describe, expect, it } from "vitest";
import { cmdFileBytes, stepsToRegistry } from "../../src/firstboot/steps-registry.js";
import { batchLiteral, uninstallStep } from "../../src/firstboot/steps/uninstall.js";
import { userStep } from "../../src/firstboot/steps/user-step.js";

describe("cmd step files", () => {
  it("are UTF-8 without a BOM, behind chcp 65001, CRLF, with the non-ASCII path intact", () => {
    const bytes = cmdFileBytes('echo hello\n"C:\\Données\\Überwachung\\uninstall.exe" /s');
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8");
    expect(text).toBe('@chcp 65001 >nul\r\necho hello\r\n"C:\\Données\\Überwachung\\uninstall.exe" /s\r\n');
    expect(bytes.includes(Buffer.from("Données", "utf8"))).toBe(true);
  });

  it("are stored as REG_BINARY next to the script text, only for cmd steps", () => {
    const cmd = userStep({ id: "cmd-x", shell: "cmd", script: "echo é" });
    const ps = userStep({ id: "ps-x", shell: "powershell", script: "Write-Output 'é'" });
    const changes = stepsToRegistry([cmd, ps]);
    const bin = changes.filter((c) => c.kind === "set-value" && c.name === "ScriptBytes");
    expect(bin).toHaveLength(1);
    expect(bin[0]).toMatchObject({ key: "p2vfix\\FirstBoot\\Steps\\001", data: { type: "REG_BINARY", hex: cmdFileBytes("echo é").toString("hex") } });
  });
});

describe("percent signs in batch text", () => {
  it("batchLiteral doubles every %", () => {
    expect(batchLiteral("a %PATH% 100%")).toBe("a %%PATH%% 100%%");
  });

  it("an uninstall string with % runs and echoes literally", () => {
    const step = uninstallStep({ name: "Odd", uninstallString: '"C:\\Program Files\\50%off\\un.exe" /s' });
    const lines = step.script.split("\r\n");
    expect(lines[1]).toBe('echo running: "C:\\Program Files\\50%%off\\un.exe" /s');
    expect(lines[2]).toBe('"C:\\Program Files\\50%%off\\un.exe" /s');
    expect(step.script).not.toContain("^%");
  });
});
