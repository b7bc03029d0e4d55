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

function param(query: URLSearchParams, name: string, required = true): string {
  const value = query.get(name);
  if (value === null) {
    if (required) throw new UsageError("missing-parameter", `the request needs ?${name}=`);
    return "";
  }
  return value;
}

function body(req: ApiRequest): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) throw new UsageError("bad-request", "the request body must be a JSON object");
  return req.body as Record<string, unknown>;
}

function overview(session: ConsoleSession): unknown {
  const report = session.report;
  return {
    target: session.target,
    readOnly: session.readOnly,
    isImage: session.isImage,
    revision: session.revision,
    edits: session.stagedEdits.length,
    installation: report.installation,
    controlSets: report.controlSets,
    sources: report.sources,
    unknown: report.unknown,
    hypervisor: report.target,
    findings: report.findings,
    hiveProblems: session.hiveProblems,
    busy: session.busy,
  };
}

function services(session: ConsoleSession): unknown {
  const actions = session.serviceActions();
  const staged = new Map<string, number>();
  for (const fixup of session.plan().fixups) if (fixup.id === "console") for (const service of fixup.services) staged.set(service.service.toUpperCase(), service.start);
  return {
    readOnly: session.readOnly,
    controlSet: session.report.controlSets.resolved,
    items: session.report.services.items.map((service) => ({
      name: service.name,
      displayName: service.displayName,
      start: service.start,
      staged: staged.get(service.name.toUpperCase()) ?? null,
      delayedAutostart: service.delayedAutostart,
      startOverride: service.startOverride,
      type: service.type,
      kind: service.kind,
      group: service.group,
      imagePath: service.imagePath,
      installed: service.installed,
      vendor: service.vendor ? `${service.vendor.vendor} (${service.vendor.category})` : null,
      plan: actions.get(service.name.toUpperCase()) ?? [],
    })),
  };
}

/** Old adapters with TCP/IP, and what the plan does with them at first boot. */
function network(session: ConsoleSession): unknown {
  const networkReport = session.report.network;
  const plan = session.plan();
  const steps = plan.firstBoot?.steps ?? [];
  const adapters = networkReport.adapters.map((adapter) => {
    const addresses = adapter.tcpip?.addresses.map((address) => address.address) ?? [];
    const guid = adapter.netCfgInstanceId?.toUpperCase();
    const touches = plan.fixups
      .filter((fixup) => fixup.enabled)
      .flatMap((fixup) =>
        fixup.registry
          .filter((entry) => {
            const path = (entry.set ?? entry["delete-value"] ?? entry["create-key"] ?? entry["delete-key"] ?? "").toUpperCase();
            return path.includes(`\\${adapter.classKey.toUpperCase()}`) || (guid !== undefined && path.includes(guid));
          })
          .map((entry) => `${entry["delete-key"] ? "delete key" : entry.set ? `set ${entry.name}` : entry["delete-value"] ? `delete ${entry.name}` : "create key"} [${fixup.id}]`),
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
    orphanInterfaces: networkReport.orphanInterfaces,
    networkCards: networkReport.networkCards,
    ncsi: networkReport.ncsi,
    newNic: { mac: session.newNicMac ?? null, vm: plan.vm },
    steps: steps.map((st) => ({ id: st.id, title: st.title, fixup: st.fixup })),
  };
}

function editRequest(requestBody: Record<string, unknown>): EditRequest {
  if (typeof requestBody.op !== "string") throw new UsageError("bad-edit", "an edit needs an op");
  return requestBody as unknown as EditRequest;
}

export function handleApi(session: ConsoleSession, req: ApiRequest): ApiResponse {
  const { method, path, query: query } = req;
  const route = `${method} ${path}`;
  switch (route) {
    case "GET /api/overview":
      return ok(overview(session));
    case "GET /api/services":
      return ok(services(session));
    case "GET /api/network":
      return ok(network(session));
    case "GET /api/firstboot":
      return ok({ report: session.firstBoot, hasSoftware: session.report.sources.software !== null });
    case "GET /api/hives":
      return ok({ hives: session.hives(), problems: session.hiveProblems, readOnly: session.readOnly });
    case "GET /api/key": {
      const hive = session.hive(param(query, "hive"));
      return ok({ ...keyView(hive.hive, hive.name, param(query, "path", false)), writable: hive.writable && !session.readOnly });
    }
    case "GET /api/search": {
      const hive = session.hive(param(query, "hive"));
      return ok(searchHive(hive.hive, hive.name, param(query, "q"), param(query, "path", false)));
    }
    case "GET /api/export": {
      const hive = session.originalHive(param(query, "hive"));
      const keyPath = param(query, "path", false);
      const last = keyPath.split("\\").filter(Boolean).pop() ?? hive.name;
      return { status: 200, file: { bytes: exportKey(hive.hive, hive.name, keyPath), type: "text/plain; charset=utf-16le", name: `${hive.name}-${last}.reg`.replace(/[^\w.-]+/g, "_") } };
    }
    case "GET /api/plan": {
      const plan = session.plan();
      return ok({
        revision: session.revision,
        readOnly: session.readOnly,
        isImage: session.isImage,
        edits: session.stagedEdits,
        fixups: plan.fixups.map((fixup) => ({ id: fixup.id, title: fixup.title, enabled: fixup.enabled, findings: fixup.findings, notices: fixup.notices, changes: fixup.registry.length + fixup.services.length })),
        unaddressed: plan.unaddressed,
        planNotices: plan.notices,
        diff: session.diff(),
        job: session.currentJob ?? null,
      });
    }
    case "GET /api/job":
      return ok({ job: session.currentJob ?? null, revision: session.revision });
    case "POST /api/edits":
      return ok({ edit: session.addEdit(editRequest(body(req))), revision: session.revision }, 201);
    case "DELETE /api/edits":
      session.removeEdit("all");
      return ok({ revision: session.revision });
    case "POST /api/fixups": {
      const requestBody = body(req);
      if (typeof requestBody.id !== "string" || typeof requestBody.enabled !== "boolean") throw new UsageError("bad-request", "give {id, enabled}");
      session.setFixupEnabled(requestBody.id, requestBody.enabled);
      return ok({ revision: session.revision });
    }
    case "POST /api/apply": {
      const requestBody = body(req);
      if (typeof requestBody.revision !== "number") throw new UsageError("bad-request", "give {revision}: the plan revision the page shows");
      return ok({ job: session.startApply(requestBody.revision) }, 202);
    }
    case "POST /api/undo":
      return ok({ job: session.startUndo() }, 202);
  }
  const edit = /^DELETE \/api\/edits\/(\d{1,9})$/.exec(route);
  if (edit) {
    session.removeEdit(Number(edit[1]));
    return ok({ revision: session.revision });
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
