/** First boot report: what the runner left in the image after the VM booted (as `p2vfix report`). */
import type { FirstBootReport } from "../../src/firstboot/results.js";
import { useApi } from "./hooks";
import type { PageProps } from "./main";

type Report = FirstBootReport;

export function FirstBoot({ version }: PageProps) {
  const { data, error } = useApi<{ report: Report | null; hasSoftware: boolean }>("/api/firstboot", version);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="loading">Reading…</p>;
  const r = data.report;
  if (!data.hasSoftware) return <p>No SOFTWARE hive in this target: the first-boot results live there.</p>;
  if (!r) return <p>No first-boot runner and no results in this image: p2vfix has not prepared it yet, or the plan had no first-boot steps. Apply a plan, boot the VM, shut it down, and open the console again.</p>;
  return (
    <div class="firstboot">
      <table class="facts">
        <tbody>
          <tr><th scope="row">State</th><td><span class={`badge state-${r.state}`}>{r.state ?? "—"}</span></td></tr>
          <tr><th scope="row">{r.state === "armed" ? "Armed hooks" : "Ran by"}</th><td>{r.mechanism ?? "—"}</td></tr>
          <tr><th scope="row">Boots</th><td>{r.boots ?? "—"}{r.maxBoots ? ` of at most ${r.maxBoots}` : ""}</td></tr>
          <tr><th scope="row">Started</th><td>{r.started ?? "—"}</td></tr>
          <tr><th scope="row">Finished</th><td>{r.finished ?? "—"}</td></tr>
          <tr><th scope="row">Summary</th><td>{r.summary ?? "—"}</td></tr>
          <tr><th scope="row">Services restored</th><td>{r.servicesRestored.join(", ") || "—"}</td></tr>
        </tbody>
      </table>
      <h2>Steps ({r.steps.length})</h2>
      {r.steps.length === 0 && <p class="muted">{r.state === "armed" ? "No results yet: the runner runs at the VM's first boot. Boot it, shut it down, and open the console again." : "No step results."}</p>}
      {r.steps.length > 0 && <div class="table-wrap">
        <table class="grid">
          <thead>
            <tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Exit code</th><th scope="col">Attempts</th><th scope="col">Time</th><th scope="col">Output (tail)</th></tr>
          </thead>
          <tbody>
            {r.steps.map((s) => (
              <tr>
                <td>{s.title ?? s.id} <code>{s.id}</code></td>
                <td><span class={`badge state-${s.status}`}>{s.status}</span></td>
                <td>{s.exitCode ?? "—"}</td>
                <td>{s.attempts ?? "—"}</td>
                <td class="nowrap">{s.started ?? "—"}{s.finished ? ` → ${s.finished}` : ""}</td>
                <td><pre class="tail">{s.output.join("\n")}</pre></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>}
    </div>
  );
}
