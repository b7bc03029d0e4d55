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

function param(q: URLSearchParams, name: string, required = true): string {
  const v = q.get(name);
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

function overview(s: ConsoleSession): unknown {
  const r = s.report;
  return {
    target: s.target,
    readOnly: s.readOnly,
    isImage: s.isImage,
    revision: s.revision,
    edits: s.stagedEdits.length,
    installation: r.installation,
    controlSets: r.controlSets,
    sources: r.sources,
    unknown: r.unknown,
    hypervisor: r.target,
    findings: r.findings,
    hiveProblems: s.hiveProblems,
    busy: s.busy,
  };
}

function services(s: ConsoleSession): unknown {
  const actions = s.serviceActions();
  const staged = new Map<string, number>();
  for (const f of s.plan().fixups) if (f.id === "console") for (const x of f.services) staged.set(x.service.toUpperCase(), x.start);
  return {
    readOnly: s.readOnly,
    controlSet: s.report.controlSets.resolved,
    items: s.report.services.items.map((x) => ({
      name: x.name,
      displayName: x.displayName,
      start: x.start,
      staged: staged.get(x.name.toUpperCase()) ?? null,
      delayedAutostart: x.delayedAutostart,
      startOverride: x.startOverride,
      type: x.type,
      kind: x.kind,
      group: x.group,
      imagePath: x.imagePath,
      installed: x.installed,
      vendor: x.vendor ? `${x.vendor.vendor} (${x.vendor.category})` : null,
      plan: actions.get(x.name.toUpperCase()) ?? [],
    })),
  };
}

/** Old adapters with TCP/IP, and what the plan does with them at first boot. */
function network(s: ConsoleSession): unknown {
  const n = s.report.network;
  const plan = s.plan();
  const steps = plan.firstBoot?.steps ?? [];
  const adapters = n.adapters.map((a) => {
    const addresses = a.tcpip?.addresses.map((x) => x.address) ?? [];
    const guid = a.netCfgInstanceId?.toUpperCase();
    const touches = plan.fixups
      .filter((f) => f.enabled)
      .flatMap((f) =>
        f.registry
          .filter((r) => {
            const path = (r.set ?? r["delete-value"] ?? r["create-key"] ?? r["delete-key"] ?? "").toUpperCase();
            return path.includes(`\\${a.classKey.toUpperCase()}`) || (guid !== undefined && path.includes(guid));
          })
          .map((r) => `${r["delete-key"] ? "delete key" : r.set ? `set ${r.name}` : r["delete-value"] ? `delete ${r.name}` : "create key"} [${f.id}]`),
      );
    const moved = steps.filter((st) => addresses.some((ip) => st.script.includes(ip))).map((st) => `first boot: ${st.title ?? st.id}`);
    return {
      classKey: a.classKey,
      connectionName: a.connectionName,
      driverDesc: a.driverDesc,
      service: a.service,
      physical: a.physical,
      team: a.team ?? null,
      teamMemberOf: a.teamMemberOf,
      permanentAddress: a.permanentAddress,
      networkAddress: a.networkAddress,
      tcpip: a.tcpip,
      plan: [...new Set([...moved, ...touches])],
    };
  });
  return {
    adapters,
    orphanInterfaces: n.orphanInterfaces,
    networkCards: n.networkCards,
    ncsi: n.ncsi,
    newNic: { mac: s.newNicMac ?? null, vm: plan.vm },
    steps: steps.map((st) => ({ id: st.id, title: st.title, fixup: st.fixup })),
  };
}

function editRequest(b: Record<string, unknown>): EditRequest {
  if (typeof b.op !== "string") throw new UsageError("bad-edit", "an edit needs an op");
  return b as unknown as EditRequest;
}

export function handleApi(s: ConsoleSession, req: ApiRequest): ApiResponse {
  const { method, path, query: q } = req;
  const route = `${method} ${path}`;
  switch (route) {
    case "GET /api/overview":
      return ok(overview(s));
    case "GET /api/services":
      return ok(services(s));
    case "GET /api/network":
      return ok(network(s));
    case "GET /api/firstboot":
      return ok({ report: s.firstBoot, hasSoftware: s.report.sources.software !== null });
    case "GET /api/hives":
      return ok({ hives: s.hives(), problems: s.hiveProblems, readOnly: s.readOnly });
    case "GET /api/key": {
      const h = s.hive(param(q, "hive"));
      return ok({ ...keyView(h.hive, h.name, param(q, "path", false)), writable: h.writable && !s.readOnly });
    }
    case "GET /api/search": {
      const h = s.hive(param(q, "hive"));
      return ok(searchHive(h.hive, h.name, param(q, "q"), param(q, "path", false)));
    }
    case "GET /api/export": {
      const h = s.originalHive(param(q, "hive"));
      const keyPath = param(q, "path", false);
      const last = keyPath.split("\\").filter(Boolean).pop() ?? h.name;
      return { status: 200, file: { bytes: exportKey(h.hive, h.name, keyPath), type: "text/plain; charset=utf-16le", name: `${h.name}-${last}.reg`.replace(/[^\w.-]+/g, "_") } };
    }
    case "GET /api/plan": {
      const plan = s.plan();
      return ok({
        revision: s.revision,
        readOnly: s.readOnly,
        isImage: s.isImage,
        edits: s.stagedEdits,
        fixups: plan.fixups.map((f) => ({ id: f.id, title: f.title, enabled: f.enabled, findings: f.findings, notices: f.notices, changes: f.registry.length + f.services.length })),
        unaddressed: plan.unaddressed,
        planNotices: plan.notices,
        diff: s.diff(),
        job: s.currentJob ?? null,
      });
    }
    case "GET /api/job":
      return ok({ job: s.currentJob ?? null, revision: s.revision });
    case "POST /api/edits":
      return ok({ edit: s.addEdit(editRequest(body(req))), revision: s.revision }, 201);
    case "DELETE /api/edits":
      s.removeEdit("all");
      return ok({ revision: s.revision });
    case "POST /api/fixups": {
      const b = body(req);
      if (typeof b.id !== "string" || typeof b.enabled !== "boolean") throw new UsageError("bad-request", "give {id, enabled}");
      s.setFixupEnabled(b.id, b.enabled);
      return ok({ revision: s.revision });
    }
    case "POST /api/apply": {
      const b = body(req);
      if (typeof b.revision !== "number") throw new UsageError("bad-request", "give {revision}: the plan revision the page shows");
      return ok({ job: s.startApply(b.revision) }, 202);
    }
    case "POST /api/undo":
      return ok({ job: s.startUndo() }, 202);
  }
  const edit = /^DELETE \/api\/edits\/(\d{1,9})$/.exec(route);
  if (edit) {
    s.removeEdit(Number(edit[1]));
    return ok({ revision: s.revision });
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
