/**
 * Plan: the fixups (each can be switched off), the pending edits from the other pages, the diff
 * of it all against the image (a dry run of apply), Apply with its progress, then Undo.
 */
import { useEffect, useState } from "preact/hooks";
import type { DiffEntry } from "../../src/changes/apply-registry-changes.js";
import type { JobView } from "../../src/web/session.js";
import { del, get, post } from "./api";
import { useApi } from "./hooks";
import type { PageProps } from "./main";

type Job = JobView;
interface PlanData {
  revision: number;
  readOnly: boolean;
  isImage: boolean;
  edits: { id: number; label: string }[];
  fixups: { id: string; title: string; enabled: boolean; findings: string[]; notices: string[]; changes: number }[];
  unaddressed: string[];
  planNotices: string[];
  diff: {
    entries: DiffEntry[];
    steps: { id: string; title: string; shell: string; timeoutSeconds: number; retries: number }[];
    vm: { file: string; up: boolean; nic: { mac?: string; index?: number } } | null;
    notices: string[];
    error?: { code: string; message: string };
  };
  job: Job | null;
}

const MARK = { "create-key": "+", "delete-key": "−", "set-value": "~", "delete-value": "−" };

function JobProgress({ job }: { job: Job }) {
  return (
    <section class={`job job-${job.state}`} aria-live="polite" aria-label={`${job.kind} progress`}>
      <h2>
        {job.kind === "apply" ? "Apply" : "Undo"}: {job.state === "running" ? "running…" : job.state}
      </h2>
      <ol class="phases">
        {job.phases.map((p) => (
          <li class={`phase-${p.state}`}>
            <span class="badge">{p.state}</span> {p.name}
          </li>
        ))}
      </ol>
      {job.messages.map((m) => (
        <p class="job-message">{m}</p>
      ))}
      {job.error && (
        <p class="error" role="alert">
          {job.error.code}: {job.error.message}
        </p>
      )}
    </section>
  );
}

export function Plan({ version, changed, readOnly }: PageProps) {
  const { data, error } = useApi<PlanData>("/api/plan", version);
  const [job, setJob] = useState<Job | null>(null);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | undefined>();
  useEffect(() => {
    if (data?.job) setJob(data.job);
  }, [data]);
  // Poll while a job runs; when it ends, every page reads the image again.
  useEffect(() => {
    if (job?.state !== "running") return;
    const t = setTimeout(async () => {
      try {
        const r = await get<{ job: Job | null }>("/api/job");
        setJob(r.job);
        if (r.job?.state !== "running") changed();
      } catch (e) {
        setMessage({ text: (e as Error).message, error: true });
      }
    }, 250);
    return () => clearTimeout(t);
  }, [job]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="loading">Computing the plan's diff (a dry run of apply)…</p>;

  const act = async (f: () => Promise<unknown>) => {
    try {
      setMessage(undefined);
      await f();
      changed();
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    }
  };
  const start = (what: "apply" | "undo") =>
    act(async () => {
      const r = await post<{ job: Job }>(`/api/${what}`, what === "apply" ? { revision: data.revision } : {});
      setJob(r.job);
    });
  const d = data.diff;
  const running = job?.state === "running";
  const canUndo = data.isImage && job?.kind === "apply" && job.state === "done" && job.messages.some((m) => m.startsWith("undo file:"));
  let lastKey = "";
  return (
    <div class="plan">
      {message && (
        <p class={message.error ? "error" : "notice"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      <div class="plan-top">
        <section aria-labelledby="edits-h">
          <h2 id="edits-h">Pending edits ({data.edits.length})</h2>
          {data.edits.length === 0 ? (
            <p class="muted">None. Change a start type in Computer Management or a value in Registry Editor: it shows up here and in the diff.</p>
          ) : (
            <ul class="edits">
              {data.edits.map((e) => (
                <li>
                  {e.label}{" "}
                  {!readOnly && (
                    <button type="button" class="small" aria-label={`Remove edit: ${e.label}`} disabled={running} onClick={() => act(() => del(`/api/edits/${e.id}`))}>
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="fixups-h">
          <h2 id="fixups-h">Fixups</h2>
          <ul class="fixups">
            {data.fixups.map((f) => (
              <li>
                <label>
                  <input type="checkbox" checked={f.enabled} disabled={readOnly || running || f.id === "console"} onChange={(e) => act(() => post("/api/fixups", { id: f.id, enabled: (e.target as HTMLInputElement).checked }))} />{" "}
                  <code>{f.id}</code> {f.title} <span class="muted">({f.changes} changes{f.findings.length ? `; ${f.findings.join(", ")}` : ""})</span>
                </label>
              </li>
            ))}
          </ul>
          {data.unaddressed.map((u) => (
            <p class="warning">To do by hand: {u}</p>
          ))}
        </section>
      </div>
      <section aria-labelledby="diff-h">
        <h2 id="diff-h">Diff against the image ({d.entries.length} registry changes)</h2>
        {d.error && (
          <p class="error" role="alert">
            {d.error.code}: {d.error.message}
          </p>
        )}
        {!d.error && d.entries.length === 0 && <p>No change: the image already holds everything the plan sets.</p>}
        {d.entries.length > 0 && (
          <div class="table-wrap diff-wrap">
            <table class="grid diff">
              <thead>
                <tr>
                  <th scope="col" class="w-mark"><span class="sr-only">Change</span></th>
                  <th scope="col" class="w-key">Key</th>
                  <th scope="col" class="w-name">Value</th>
                  <th scope="col" class="w-data">Before</th>
                  <th scope="col" class="w-data">After</th>
                  <th scope="col" class="w-fixup">Fixup</th>
                </tr>
              </thead>
              <tbody>
                {d.entries.map((e) => {
                  const key = `${e.hive}\\${e.key}`;
                  const sameKey = key === lastKey;
                  lastKey = key;
                  return (
                    <tr class={`diff-${e.action} ${e.fixup === "console" ? "console" : ""}`} title={e.reason}>
                      <td class="mark" aria-label={e.action}>{MARK[e.action]}</td>
                      <td class="path">{sameKey ? <span class="muted">〃</span> : key}</td>
                      <td>{e.name === undefined ? (e.action === "create-key" ? "(new key)" : "(whole key)") : e.name === "" ? "(Default)" : e.name}</td>
                      <td class="before">{e.before ?? "(absent)"}</td>
                      <td class="after">{e.action === "delete-value" || e.action === "delete-key" ? "(deleted)" : (e.after ?? "")}</td>
                      <td><code>{e.fixup}</code></td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {d.steps.length > 0 && (
          <>
            <h3>First-boot steps ({d.steps.length}), in this order inside the VM</h3>
            <ol>
              {d.steps.map((s) => (
                <li>
                  {s.title} <span class="muted">({s.id}, {s.shell}, {s.timeoutSeconds} s, {s.retries} retries)</span>
                </li>
              ))}
            </ol>
          </>
        )}
        {d.vm && (
          <p>
            VM definition <code>{d.vm.file}</code>: NIC {d.vm.nic.mac ?? d.vm.nic.index ?? "(the only one)"} link {d.vm.up ? "up" : "down"}
          </p>
        )}
        {[...data.planNotices, ...d.notices].map((n) => (
          <p class="muted">Note: {n}</p>
        ))}
      </section>
      {!readOnly && (
        <div class="toolbar apply-bar">
          <button type="button" class="primary" disabled={running || Boolean(d.error) || d.entries.length === 0} onClick={() => start("apply")}>
            Apply {d.entries.length} changes to the image
          </button>
          {canUndo && (
            <button type="button" disabled={running} onClick={() => start("undo")}>
              Undo this apply
            </button>
          )}
          <span class="muted">An undo file is written before any byte changes; the result is read back and checked.</span>
        </div>
      )}
      {job && <JobProgress job={job} />}
    </div>
  );
}
