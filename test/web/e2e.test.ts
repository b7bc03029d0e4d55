/**
 * The console in a real browser (playwright-core driving Debian's Chromium) on a copy of the
 * demo image: overview, a start type changed in Computer Management, a value edited in the
 * Registry Editor, both in the Plan's diff, Apply, `p2vfix reg get` shows the new data, Undo
 * gives back the image's SHA-256. Screenshots of each page go to tmp/web-screenshots (ignored).
 * Skips with a reason without /usr/bin/chromium, fails then under P2VFIX_INTEROP=required.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interopRequired } from "../helpers/interop.js";
import { cli, client, demoCopy, jobEnd, openConsole, repoRoot, sha256 } from "./console-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const shots = join(repoRoot, "tmp/web-screenshots");

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `e2e: ${CHROMIUM} not installed`;
  if (interopRequired) throw new Error(`${message}, and P2VFIX_INTEROP=required`);
  console.warn(`${message}: skipping the browser tests (apt-get install chromium, or run .ci/run)`);
  return false;
}

const TCPIP = "ControlSet001\\Services\\Tcpip\\Parameters";

describe.skipIf(!chromiumAvailable())("console in a browser", () => {
  let browser: Browser;
  let page: Page;
  let image: string;
  let original: string;
  let c: Awaited<ReturnType<typeof openConsole>>;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    image = demoCopy();
    original = sha256(image);
    c = await openConsole(image);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it("opens the overview from the printed URL, with the findings and their evidence", async () => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(c.url);
    expect(page.url()).toBe(`http://127.0.0.1:${c.port}/`);
    await expect.poll(() => page.locator(".finding").count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator("header .target").textContent()).toContain("HQ-FS01");
    await page.locator(".finding details summary").first().click();
    expect(await page.locator(".evidence li").first().textContent()).toMatch(/SYSTEM\\/);
    await shot("1-overview");
    expect(errors).toEqual([]);
  });

  it("changes a service's start type in Computer Management", async () => {
    await page.getByRole("link", { name: "Computer Management" }).click();
    await page.getByLabel("Filter").fill("CIMnotify");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.getByLabel("Start type of CIMnotify").selectOption("4");
    await expect.poll(() => page.locator("tr[data-service=CIMnotify] .badge.pending").textContent()).toContain("Manual (3) → Disabled (4)");
    await page.getByLabel("Filter").fill("");
    await page.getByRole("button", { name: "Start type" }).click();
    await shot("2-computer-management");
  });

  it("edits a value in the Registry Editor, reaching the key with the keyboard", async () => {
    await page.getByRole("link", { name: "Registry Editor" }).click();
    const tree = page.getByRole("tree");
    await tree.getByRole("treeitem", { name: "SYSTEM" }).focus();
    await page.keyboard.press("ArrowRight"); // open SYSTEM
    await expect.poll(() => tree.getByRole("treeitem", { name: "ControlSet001" }).count()).toBe(1);
    const cs1 = tree.getByRole("treeitem", { name: "ControlSet001" });
    await cs1.focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => cs1.getAttribute("aria-expanded")).toBe("true");
    await page.keyboard.press("ArrowDown"); // first child of ControlSet001
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".keypath").textContent()).toMatch(/^SYSTEM\\ControlSet001\\/);
    // Then find the value with the search box, as a person would.
    await page.getByLabel(/Find in SYSTEM/).fill("ICSDomain");
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("button", { name: /Tcpip\\Parameters : ICSDomain/ }).click();
    await expect.poll(() => page.locator(".keypath").textContent()).toBe(`SYSTEM\\${TCPIP}`);
    await expect.poll(() => page.locator(".hexview pre").textContent()).toContain("m.s.h.o.m.e");
    await page.getByRole("button", { name: "Modify ICSDomain" }).click();
    await page.getByRole("form", { name: "Edit value" }).getByLabel("Data").fill("console.example");
    await page.getByRole("button", { name: "Stage" }).click();
    await expect.poll(() => page.locator("tr[data-value=ICSDomain] td.data").textContent()).toBe("console.example");
    await shot("3-registry-editor");
  });

  it("shows both edits in the Plan's diff, applies, and reg get reads the new data", async () => {
    await page.getByRole("link", { name: /^Plan/ }).click();
    const consoleRows = page.locator("table.diff tr.console");
    await expect.poll(() => consoleRows.count()).toBe(2);
    const text = (await consoleRows.allTextContents()).join("\n");
    expect(text).toContain('REG_SZ "mshome.net"');
    expect(text).toContain('REG_SZ "console.example"');
    expect(text).toContain("REG_DWORD 0x00000004 (4)");
    await shot("4-plan");
    await page.getByRole("button", { name: /^Apply \d+ changes/ }).click();
    await expect.poll(() => page.locator(".job h2").textContent(), { timeout: 30_000 }).toBe("Apply: done");
    expect(await page.locator(".job").textContent()).toMatch(/undo file: .*\.p2vfix-undo/);
    await shot("5-applied");
    const value = await cli("reg", "get", `${image}:SYSTEM`, TCPIP, "ICSDomain");
    expect(value.code).toBe(0);
    expect(value.stdout).toContain("console.example");
    const start = await cli("reg", "get", `${image}:SYSTEM`, "ControlSet001\\Services\\CIMnotify", "Start");
    expect(start.stdout).toMatch(/\b4\b/);
    expect(sha256(image)).not.toBe(original);
    // The first-boot runner is now armed in the image: the report page says so.
    await page.getByRole("link", { name: "First boot report" }).click();
    await expect.poll(() => page.locator(".firstboot .badge").first().textContent()).toBe("armed");
    await shot("6-first-boot-armed");
    await page.getByRole("link", { name: /^Plan/ }).click();
  });

  it("undoes the apply: the image's SHA-256 is the original's again", async () => {
    await page.getByRole("button", { name: "Undo this apply" }).click();
    await expect.poll(() => page.locator(".job h2").textContent(), { timeout: 30_000 }).toBe("Undo: done");
    expect(sha256(image)).toBe(original);
  });

  it("shows the old adapters, their TCP/IP and what the plan does with them on the Network page", async () => {
    await page.getByRole("link", { name: "Network" }).click();
    const team = page.locator(".network tbody tr", { hasText: "Production Team" });
    await expect.poll(() => team.textContent()).toContain("10.20.30.40");
    expect(await team.textContent()).toContain("first boot: Static IP 10.20.30.40 on the new NIC");
    await shot("7-network");
    // After the undo the image has no runner again.
    await page.getByRole("link", { name: "First boot report" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("No first-boot runner");
  });

  it("shows the results a first boot left in the image", async () => {
    // What the runner writes after a boot, written here through the console's own API and Apply.
    const api = client(c);
    const R = "p2vfix\\FirstBoot\\Results";
    const set = (key: string, name: string, type: string, data: unknown) => api.post("/api/edits", { op: "set-value", hive: "SOFTWARE", key, name, type, data });
    await set(R, "State", "REG_SZ", "done");
    await set(R, "Mechanism", "REG_SZ", "setup");
    await set(R, "Summary", "REG_SZ", "1 ok");
    await set(`${R}\\move-static-ip`, "Title", "REG_SZ", "Static IP 10.20.30.40 on the new NIC");
    await set(`${R}\\move-static-ip`, "Status", "REG_SZ", "ok");
    await set(`${R}\\move-static-ip`, "ExitCode", "REG_DWORD", 0);
    await set(`${R}\\move-static-ip`, "Output", "REG_MULTI_SZ", ["adapter: Microsoft Hyper-V Network Adapter", "EnableStatic 10.20.30.40 / 255.255.255.0: 0"]);
    const { revision } = (await api.get("/api/plan")).json;
    expect((await api.post("/api/apply", { revision })).status).toBe(202);
    expect((await jobEnd(api)).state).toBe("done");
    await page.reload();
    const step = page.locator(".firstboot tbody tr", { hasText: "move-static-ip" });
    await expect.poll(() => step.textContent()).toContain("EnableStatic 10.20.30.40");
    expect(await page.locator(".firstboot .facts").textContent()).toContain("1 ok");
    await shot("8-first-boot-results");
  });
});
