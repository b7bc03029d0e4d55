/** Calls to the console's API: same origin, the cookie carries the token; writes add the header the server requires. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers["X-P2vfix-Request"] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiError(res.status, json.error?.code ?? String(res.status), json.error?.message ?? res.statusText);
  return json as T;
}

export const get = <T,>(path: string) => call<T>("GET", path);
export const post = <T,>(path: string, body: unknown) => call<T>("POST", path, body);
export const del = <T,>(path: string) => call<T>("DELETE", path);

export function qs(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export const START_NAMES = ["Boot", "System", "Automatic", "Manual", "Disabled"];
export function startName(start: number | null | undefined): string {
  return start === null || start === undefined ? "—" : `${START_NAMES[start] ?? "?"} (${start})`;
}
