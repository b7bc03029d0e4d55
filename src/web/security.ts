/**
 * Who may talk to the console: a browser on this machine that opened the URL with the token.
 *  - the token: 32 random bytes; accepted from the `Authorization: Bearer` or `X-P2vfix-Token`
 *    header or from the cookie set when the URL is first opened; compared in constant time;
 *  - the Host header must name 127.0.0.1 or localhost with our port (a DNS-rebinding page has
 *    its own host name there);
 *  - writes must come from our own origin (Origin / Sec-Fetch-Site when the browser sends
 *    them) and carry a custom header, which no cross-origin page can send without a CORS
 *    preflight that the console never grants.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const WRITE_HEADER = "x-p2vfix-request";

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function cookieName(port: number): string {
  // Cookies ignore the port: one name per console so two of them do not overwrite each other.
  return `p2vfix_${port}`;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(token));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token the request carries (header first, then the cookie). */
export function requestToken(req: IncomingMessage, port: number): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  const header = req.headers["x-p2vfix-token"];
  if (typeof header === "string") return header;
  return cookie(req, cookieName(port));
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = (req.headers.host ?? "").toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A write (any method but GET/HEAD) from our own page or from a non-browser client. */
export function writeAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return false;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  return req.headers[WRITE_HEADER] === "1";
}
