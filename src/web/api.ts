/**
 * The console's JSON API: one handler per route, each a thin call into the session. GET reads,
 * POST/DELETE stage edits or start a job. Hive names and key paths are the only "paths" a
 * request can name, and they are looked up inside the opened target's hives: nothing here
 * opens a host path from a request.
 */
import { NotFoundError, P2vfixError, RefusedError, UsageError } from "../errors.js";
import type { EditRequest } from "./edits.js";
import { exportKey, keyView, searchHive } from "./registry-view.js";
import type { ConsoleSession } from "./session.js";

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface ApiResponse {
  status: number;
  json?: unknown;
  file?: { bytes: Buffer; type: string; name: string };
}

const ok = (json: unknown, status = 200): ApiResponse => ({ status, json });

function param(urlSearchParams: URLSearchParams, name: string, required = true): string {
  const v = urlSearchParams.get(name);
  if (v === null) {
    if (required) throw new UsageError("missing-parameter", `the request needs ?${name}=`);
    return "";
  }
  return v;
}

function body(req: ApiRequest): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) throw new UsageError("bad-request", "the request body must be a JSON object");
  return req.body as Record<string, unknown>;
}

function overview(consoleSession: ConsoleSession): unknown {
  const r = consoleSession.report;
  return {
    target: consoleSession.target,
    readOnly: consoleSession.readOnly,
    isImage: consoleSession.isImage,
    revision: consoleSession.revision,
    edits: consoleSession.stagedEdits.length,
    installation: r.installation,
    controlSets: r.controlSets,
    sources: r.sources,
    unknown: r.unknown,
    hypervisor: r.target,
    findings: r.findings,
    hiveProblems: consoleSession.hiveProblems,
    busy: consoleSession.busy,
  };
}

function services(s: ConsoleSession): unknown {
  const actions = s.serviceActions();
  const staged = new Map<string, number>();
  for (const fixup of s.plan().fixups) if (fixup.id === "console") for (const x of fixup.services) staged.set(x.service.toUpperCase(), x.start);
  return {
    readOnly: s.readOnly,
    controlSet: s.report.controlSets.resolved,
    items: s.report.services.items.map((item) => ({
      name: item.name,
      displayName: item.displayName,
      start: item.start,
      staged: staged.get(item.name.toUpperCase()) ?? null,
      delayedAutostart: item.delayedAutostart,
      startOverride: item.startOverride,
      type: item.type,
      kind: item.kind,
      group: item.group,
      imagePath: item.imagePath,
      installed: item.installed,
      vendor: item.vendor ? `${item.vendor.vendor} (${item.vendor.category})` : null,
      plan: actions.get(item.name.toUpperCase()) ?? [],
    })),
  };
}

/** Old adapters with TCP/IP, and what the plan does with them at first boot. */
function network(consoleSession: ConsoleSession): unknown {
  const n = consoleSession.report.network;
  const plan = consoleSession.plan();
  const steps = plan.firstBoot?.steps ?? [];
  const adapters = n.adapters.map((adapter) => {
    const addresses = adapter.tcpip?.addresses.map((x) => x.address) ?? [];
    const guid = adapter.netCfgInstanceId?.toUpperCase();
    const touches = plan.fixups
      .filter((fixup) => fixup.enabled)
      .flatMap((fixup) =>
        fixup.registry
          .filter((r) => {
            const path = (r.set ?? r["delete-value"] ?? r["create-key"] ?? r["delete-key"] ?? "").toUpperCase();
            return path.includes(`\\${adapter.classKey.toUpperCase()}`) || (guid !== undefined && path.includes(guid));
          })
          .map((r) => `${r["delete-key"] ? "delete key" : r.set ? `set ${r.name}` : r["delete-value"] ? `delete ${r.name}` : "create key"} [${fixup.id}]`),
      );
    const moved = steps.filter((st) => addresses.some((ip) => st.script.includes(ip))).map((st) => `first boot: ${st.title ?? st.id}`);
    return {
      classKey: adapter.classKey,
      connectionName: adapter.connectionName,
      driverDesc: adapter.driverDesc,
      service: adapter.service,
      physical: adapter.physical,
      team: adapter.team ?? null,
      teamMemberOf: adapter.teamMemberOf,
      permanentAddress: adapter.permanentAddress,
      networkAddress: adapter.networkAddress,
      tcpip: adapter.tcpip,
      plan: [...new Set([...moved, ...touches])],
    };
  });
  return {
    adapters,
    orphanInterfaces: n.orphanInterfaces,
    networkCards: n.networkCards,
    ncsi: n.ncsi,
    newNic: { mac: consoleSession.newNicMac ?? null, vm: plan.vm },
    steps: steps.map((st) => ({ id: st.id, title: st.title, fixup: st.fixup })),
  };
}

function editRequest(b: Record<string, unknown>): EditRequest {
  if (typeof b.op !== "string") throw new UsageError("bad-edit", "an edit needs an op");
  return b as unknown as EditRequest;
}

export function handleApi(consoleSession: ConsoleSession, req: ApiRequest): ApiResponse {
  const { method, path, query: urlSearchParams } = req;
  const route = `${method} ${path}`;
  switch (route) {
    case "GET /api/overview":
      return ok(overview(consoleSession));
    case "GET /api/services":
      return ok(services(consoleSession));
    case "GET /api/network":
      return ok(network(consoleSession));
    case "GET /api/firstboot":
      return ok({ report: consoleSession.firstBoot, hasSoftware: consoleSession.report.sources.software !== null });
    case "GET /api/hives":
      return ok({ hives: consoleSession.hives(), problems: consoleSession.hiveProblems, readOnly: consoleSession.readOnly });
    case "GET /api/key": {
      const h = consoleSession.hive(param(urlSearchParams, "hive"));
      return ok({ ...keyView(h.hive, h.name, param(urlSearchParams, "path", false)), writable: h.writable && !consoleSession.readOnly });
    }
    case "GET /api/search": {
      const h = consoleSession.hive(param(urlSearchParams, "hive"));
      return ok(searchHive(h.hive, h.name, param(urlSearchParams, "q"), param(urlSearchParams, "path", false)));
    }
    case "GET /api/export": {
      const h = consoleSession.originalHive(param(urlSearchParams, "hive"));
      const keyPath = param(urlSearchParams, "path", false);
      const last = keyPath.split("\\").filter(Boolean).pop() ?? h.name;
      return { status: 200, file: { bytes: exportKey(h.hive, h.name, keyPath), type: "text/plain; charset=utf-16le", name: `${h.name}-${last}.reg`.replace(/[^\w.-]+/g, "_") } };
    }
    case "GET /api/plan": {
      const plan = consoleSession.plan();
      return ok({
        revision: consoleSession.revision,
        readOnly: consoleSession.readOnly,
        isImage: consoleSession.isImage,
        edits: consoleSession.stagedEdits,
        fixups: plan.fixups.map((fixup) => ({ id: fixup.id, title: fixup.title, enabled: fixup.enabled, findings: fixup.findings, notices: fixup.notices, changes: fixup.registry.length + fixup.services.length })),
        unaddressed: plan.unaddressed,
        planNotices: plan.notices,
        diff: consoleSession.diff(),
        job: consoleSession.currentJob ?? null,
      });
    }
    case "GET /api/job":
      return ok({ job: consoleSession.currentJob ?? null, revision: consoleSession.revision });
    case "POST /api/edits":
      return ok({ edit: consoleSession.addEdit(editRequest(body(req))), revision: consoleSession.revision }, 201);
    case "DELETE /api/edits":
      consoleSession.removeEdit("all");
      return ok({ revision: consoleSession.revision });
    case "POST /api/fixups": {
      const b = body(req);
      if (typeof b.id !== "string" || typeof b.enabled !== "boolean") throw new UsageError("bad-request", "give {id, enabled}");
      consoleSession.setFixupEnabled(b.id, b.enabled);
      return ok({ revision: consoleSession.revision });
    }
    case "POST /api/apply": {
      const b = body(req);
      if (typeof b.revision !== "number") throw new UsageError("bad-request", "give {revision}: the plan revision the page shows");
      return ok({ job: consoleSession.startApply(b.revision) }, 202);
    }
    case "POST /api/undo":
      return ok({ job: consoleSession.startUndo() }, 202);
  }
  const edit = /^DELETE \/api\/edits\/(\d{1,9})$/.exec(route);
  if (edit) {
    consoleSession.removeEdit(Number(edit[1]));
    return ok({ revision: consoleSession.revision });
  }
  throw new NotFoundError("no-such-api", `no ${method} ${path}`);
}

/** HTTP status for a typed error; anything else is a 500. */
export function statusOf(err: unknown): number {
  if (err instanceof RefusedError) return err.code === "read-only" ? 403 : 409;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof UsageError) return 400;
  if (err instanceof P2vfixError) return 422;
  return 500;
}
