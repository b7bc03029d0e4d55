/**
 * The console's HTTP server (node:http), bound to 127.0.0.1 only. Every request passes the
 * checks of security.ts before anything else; the front end (built by scripts/build-web.mjs
 * into dist/web) is served from a fixed list of files read at start, so no request path ever
 * reaches the host file system. Nothing is logged per request, so the token is never written
 * anywhere but the URL printed at start.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { NotFoundError } from "../errors.js";
import { handleApi, statusOf } from "./api.js";
import { cookieName, hostAllowed, newToken, requestToken, tokenMatches, writeAllowed } from "./security.js";
import { ConsoleSession, type ConsoleOptions } from "./session.js";

/** Where `npm run build` puts the front end: dist/web, from src/web (tests, tsx) and dist/web alike. */
export const DEFAULT_ASSETS = fileURLToPath(new URL("../../dist/web/", import.meta.url));
const MAX_BODY = 1 << 20;

const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
};

export interface ConsoleServerOptions extends ConsoleOptions {
  /** 0: a free port. */
  port?: number;
  /** Folder with index.html, app.js, app.css (default: the package's dist/web). */
  assetsDir?: string;
}

export interface ConsoleServer {
  url: string;
  port: number;
  session: ConsoleSession;
  server: Server;
  close(): Promise<void>;
}

function loadAssets(dir: string): Map<string, { bytes: Buffer; type: string }> {
  const out = new Map<string, { bytes: Buffer; type: string }>();
  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    try {
      out.set(route, { bytes: readFileSync(join(dir, file)), type });
    } catch {
      throw new NotFoundError("console-not-built", `the web console's files are missing from ${dir} (${file}): run npm run build`, { path: dir });
    }
  }
  return out;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, json: unknown): void {
  send(res, status, JSON.stringify(json, (_k, value) => (typeof value === "bigint" ? value.toString() : value)), "application/json; charset=utf-8");
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (buffer: Buffer) => {
      size += buffer.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error("body too large"), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(buffer);
    });
    req.on("end", () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(Object.assign(new Error("the body is not JSON"), { status: 400 }));
      }
    });
    req.on("error", reject);
  });
}

const UNAUTHORIZED_PAGE = `<!doctype html><meta charset="utf-8"><title>p2vfix console</title><p>This is a p2vfix console. Open it with the URL that <code>p2vfix console</code> printed (it carries the access token).</p>`;

export async function startConsole(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const assets = loadAssets(options.assetsDir ?? DEFAULT_ASSETS);
  const session = new ConsoleSession(options);
  const token = newToken();
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req, port)) return send(res, 403, "Host not allowed: open the console at 127.0.0.1\n", "text/plain; charset=utf-8");
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    const method = req.method ?? "GET";
    // First load: the token from the URL becomes a cookie, and the address bar loses it.
    const fromUrl = url.searchParams.get("token");
    if (method === "GET" && url.pathname === "/" && fromUrl !== null) {
      if (!tokenMatches(fromUrl, token)) return send(res, 401, UNAUTHORIZED_PAGE, "text/html; charset=utf-8");
      return send(res, 303, "", "text/plain", { Location: "/", "Set-Cookie": `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` });
    }
    if (!tokenMatches(requestToken(req, port), token)) {
      return url.pathname.startsWith("/api/") ? sendJson(res, 401, { error: { code: "unauthorized", message: "no valid access token" } }) : send(res, 401, UNAUTHORIZED_PAGE, "text/html; charset=utf-8");
    }
    const isWrite = method !== "GET" && method !== "HEAD";
    if (isWrite && !writeAllowed(req, port)) return sendJson(res, 403, { error: { code: "cross-origin", message: "writes are accepted from the console's own page only" } });
    if (!url.pathname.startsWith("/api/")) {
      const asset = method === "GET" ? assets.get(url.pathname) : undefined;
      if (!asset) return send(res, 404, "not found\n", "text/plain; charset=utf-8");
      return send(res, 200, asset.bytes, asset.type);
    }
    let body: unknown;
    try {
      body = isWrite ? await readBody(req) : undefined;
    } catch (err) {
      return sendJson(res, (err as { status?: number }).status ?? 400, { error: { code: "bad-request", message: (err as Error).message } });
    }
    try {
      const apiResponse = handleApi(session, { method, path: url.pathname, query: url.searchParams, body });
      if (apiResponse.file) return send(res, apiResponse.status, apiResponse.file.bytes, apiResponse.file.type, { "Content-Disposition": `attachment; filename="${apiResponse.file.name}"` });
      return sendJson(res, apiResponse.status, apiResponse.json);
    } catch (err) {
      const status = statusOf(err);
      const error = err as { code?: string; message?: string };
      return sendJson(res, status, { error: { code: status === 500 ? "internal" : error.code, message: error.message ?? String(err) } });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: String((err as Error)?.message ?? err) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    session,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
