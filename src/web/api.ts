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
  const value = urlSearchParams.get(name);
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

function overview(consoleSession: ConsoleSession): unknown {
  const report = consoleSession.report;
  return {
    target: consoleSession.target,
    readOnly: consoleSession.readOnly,
    isImage: consoleSession.isImage,
    revision: consoleSession.revision,
    edits: consoleSession.stagedEdits.length,
    installation: report.installation,
    controlSets: report.controlSets,
    sources: report.sources,
    unknown: report.unknown,
    hypervisor: report.target,
    findings: report.findings,
    hiveProblems: consoleSession.hiveProblems,
    busy: consoleSession.busy,
  };
}

function services(consoleSession: ConsoleSession): unknown {
  const actions = consoleSession.serviceActions();
  const staged = new Map<string, number>();
  for (const fixup of consoleSession.plan().fixups) if (fixup.id === "console") for (const service of fixup.services) staged.set(service.service.toUpperCase(), service.start);
  return {
    readOnly: consoleSession.readOnly,
    controlSet: consoleSession.report.controlSets.resolved,
    items: consoleSession.report.services.items.map((item) => ({
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
  const networkReport = consoleSession.report.network;
  const plan = consoleSession.plan();
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
    newNic: { mac: consoleSession.newNicMac ?? null, vm: plan.vm },
    steps: steps.map((st) => ({ id: st.id, title: st.title, fixup: st.fixup })),
  };
}

function editRequest(requestBody: Record<string, unknown>): EditRequest {
  if (typeof requestBody.op !== "string") throw new UsageError("bad-edit", "an edit needs an op");
  return requestBody as unknown as EditRequest;
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
      const hive = consoleSession.hive(param(urlSearchParams, "hive"));
      return ok({ ...keyView(hive.hive, hive.name, param(urlSearchParams, "path", false)), writable: hive.writable && !consoleSession.readOnly });
    }
    case "GET /api/search": {
      const hive = consoleSession.hive(param(urlSearchParams, "hive"));
      return ok(searchHive(hive.hive, hive.name, param(urlSearchParams, "q"), param(urlSearchParams, "path", false)));
    }
    case "GET /api/export": {
      const hive = consoleSession.originalHive(param(urlSearchParams, "hive"));
      const keyPath = param(urlSearchParams, "path", false);
      const last = keyPath.split("\\").filter(Boolean).pop() ?? hive.name;
      return { status: 200, file: { bytes: exportKey(hive.hive, hive.name, keyPath), type: "text/plain; charset=utf-16le", name: `${hive.name}-${last}.reg`.replace(/[^\w.-]+/g, "_") } };
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
      const requestBody = body(req);
      if (typeof requestBody.id !== "string" || typeof requestBody.enabled !== "boolean") throw new UsageError("bad-request", "give {id, enabled}");
      consoleSession.setFixupEnabled(requestBody.id, requestBody.enabled);
      return ok({ revision: consoleSession.revision });
    }
    case "POST /api/apply": {
      const requestBody = body(req);
      if (typeof requestBody.revision !== "number") throw new UsageError("bad-request", "give {revision}: the plan revision the page shows");
      return ok({ job: consoleSession.startApply(requestBody.revision) }, 202);
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
