/**
 * `p2vfix console` as a process: the first stdout line is the URL with the token, the server
 * answers on 127.0.0.1 only, the token appears nowhere else, and SIGTERM stops it cleanly.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtAssets, cli, demoCopy, raw, repoRoot } from "./console-fixture.js";

describe("p2vfix console (process)", () => {
  it("prints the URL first, serves it, keeps the token out of everything else, stops on SIGTERM", async () => {
    const image = demoCopy();
    const child = spawn(join(repoRoot, "node_modules/.bin/tsx"), [join(repoRoot, "test/web/run-cli.ts"), "console", image, "--port", "0", "--read-only"], {
      env: { ...process.env, P2VFIX_WEB_ASSETS: builtAssets(), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    const firstTwo = new Promise<void>((ok) => rl.on("line", (l) => lines.push(l) === 2 && ok()));
    const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
    await Promise.race([firstTwo, exited]);
    try {
      expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
      const url = new URL(lines[0]);
      const token = url.searchParams.get("token")!;
      const port = Number(url.port);
      expect((await raw(port, "GET", "/api/overview")).status).toBe(401);
      const first = await raw(port, "GET", `${url.pathname}${url.search}`);
      expect(first.status).toBe(303);
      const overview = await raw(port, "GET", "/api/overview", { Cookie: String(first.headers["set-cookie"]).split(";")[0] });
      expect(overview.json).toMatchObject({ readOnly: true, isImage: true });
      expect(lines[1]).toContain("read-only");
      expect(lines.slice(1).join("\n") + stderr).not.toContain(token);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  });

  it("refuses a bad port or a missing target with a typed error, before listening", async () => {
    const port = await cli("console", demoCopy(), "--port", "70000");
    expect(port.code).toBe(2);
    expect(port.stderr).toContain("bad-port");
    const missing = await cli("console", "/nonexistent/disk.vhdx");
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain("target-not-found");
  });
});
