/**
 * What the console tests share: the front end built once into a temp folder (the real esbuild
 * step of `npm run build`), a fresh copy of the demo image, a running console on a free port,
 * and an API client that sends the token the way a script would.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { startConsole, type ConsoleServer, type ConsoleServerOptions } from "../../src/web/server.js";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const demoImage = join(repoRoot, "examples/demo-hp-proliant.qcow2");

let built: string | undefined;
export function builtAssets(): string {
  if (built && existsSync(join(built, "app.js"))) return built;
  built = mkdtempSync(join(tmpdir(), "p2vfix-web-assets-"));
  execFileSync(process.execPath, [join(repoRoot, "scripts/build-web.mjs"), built], { stdio: "inherit" });
  return built;
}

export function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** A copy of the demo image in its own temp folder (the undo file lands beside it). */
export function demoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-console-"));
  const image = join(dir, "demo.qcow2");
  copyFileSync(demoImage, image);
  return image;
}

export async function openConsole(target: string, options: Partial<ConsoleServerOptions> = {}): Promise<ConsoleServer & { token: string }> {
  const server = await startConsole({ target, port: 0, assetsDir: builtAssets(), ...options });
  return { ...server, token: new URL(server.url).searchParams.get("token")! };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // eslint-free project: the replies are checked field by field in the tests.
  json: any;
}

/** One raw HTTP request (the path is sent as given, unnormalised). */
export function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ host: "127.0.0.1", port, method, path, headers: { ...(data ? { "Content-Type": "application/json", "Content-Length": String(data.length) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    });
    req.on("error", reject);
    req.end(data);
  });
}

/** An API client with the token in a header, as a script would call the console. */
export function client(c: { port: number; token: string }) {
  const auth = { "X-P2vfix-Token": c.token };
  return {
    get: (path: string) => raw(c.port, "GET", path, auth),
    post: (path: string, body: unknown) => raw(c.port, "POST", path, { ...auth, "X-P2vfix-Request": "1" }, body),
    del: (path: string) => raw(c.port, "DELETE", path, { ...auth, "X-P2vfix-Request": "1" }),
  };
}

/** Waits for the running job to end (polling as the page does). */
export async function jobEnd(api: ReturnType<typeof client>): Promise<{ state: string; messages: string[]; error?: { code: string; message: string } }> {
  for (let i = 0; i < 400; i++) {
    const r = await api.get("/api/job");
    if (r.json.job && r.json.job.state !== "running") return r.json.job;
    await new Promise((ok) => setTimeout(ok, 25));
  }
  throw new Error("the job did not end");
}

/** `p2vfix ...` run in-process, as the CLI tests do. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

export interface DemoConsole {
  image: string;
  /** SHA-256 of the image before any test wrote to it. */
  original: string;
  c: ConsoleServer & { token: string };
  api: ReturnType<typeof client>;
}

/** A console on a fresh demo copy for the tests of one describe block (opened before, closed after). */
export function useDemoConsole(hooks: { beforeAll: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void }): DemoConsole {
  const state = {} as DemoConsole;
  hooks.beforeAll(async () => {
    state.image = demoCopy();
    state.original = sha256(state.image);
    state.c = await openConsole(state.image);
    state.api = client(state.c);
  });
  hooks.afterAll(async () => {
    await state.c?.close();
  });
  return state;
}
