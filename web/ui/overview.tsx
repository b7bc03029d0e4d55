import type { PageProps } from "./main";
import { useApi } from "./hooks";

interface Finding {
  id: string;
  severity: string;
  title: string;
  detail: string;
  fixup: string;
  evidence: { key: string; value?: string; data?: string }[];
}

interface OverviewData {
  target: string;
  installation: Record<string, unknown>;
  controlSets: { resolved: string; resolvedFrom: string; available: string[] };
  sources: { system: string; software: string | null; bcd: string | null; filesystem: string | null; warnings: string[] };
  unknown: { section: string; reason: string }[];
  hypervisor: string | null;
  findings: Finding[];
  hiveProblems: string[];
}

const FACTS: [string, string][] = [
  ["productName", "Product"],
  ["family", "Family"],
  ["editionId", "Edition"],
  ["ntVersion", "Version"],
  ["build", "Build"],
  ["role", "Role"],
  ["architecture", "Architecture"],
  ["computerName", "Computer name"],
  ["dnsSuffix", "DNS suffix"],
  ["timeZone", "Time zone"],
  ["systemRoot", "System root"],
];

export function Overview({ version }: PageProps) {
  const { data, error } = useApi<OverviewData>("/api/overview", version);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="loading">Reading the image…</p>;
  const i = data.installation;
  return (
    <div class="overview">
      <section aria-labelledby="findings-h">
        <h2 id="findings-h">Findings ({data.findings.length}){data.hypervisor ? ` for ${data.hypervisor}` : ""}</h2>
        {data.findings.length === 0 && <p>No findings: nothing known to go wrong at the first boot.</p>}
        <ul class="findings">
          {data.findings.map((f) => (
            <li class={`finding sev-${f.severity}`}>
              <div class="finding-head">
                <span class={`badge sev-${f.severity}`}>{f.severity}</span> <strong>{f.title}</strong> <code>{f.id}</code>
              </div>
              <p>{f.detail}</p>
              <p class="muted">Fixup: {f.fixup === "manual" ? "by hand" : <code>{f.fixup}</code>}</p>
              {f.evidence.length > 0 && (
                <details>
                  <summary>Evidence ({f.evidence.length})</summary>
                  <ul class="evidence">
                    {f.evidence.map((e) => (
                      <li>
                        <code>{e.key}</code>
                        {e.value !== undefined && <> : <code>{e.value === "" ? "(default)" : e.value}</code></>}
                        {e.data !== undefined && <> = <code>{e.data}</code></>}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="inst-h">
        <h2 id="inst-h">Installation</h2>
        <table class="facts">
          <tbody>
            {FACTS.map(([k, label]) => (
              <tr>
                <th scope="row">{label}</th>
                <td>{i[k] === null || i[k] === undefined ? "—" : String(i[k])}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">Control set</th>
              <td>
                {data.controlSets.resolved} (from {data.controlSets.resolvedFrom}; present {data.controlSets.available.join(", ")})
              </td>
            </tr>
            <tr>
              <th scope="row">SYSTEM</th>
              <td>{data.sources.system}</td>
            </tr>
            <tr>
              <th scope="row">SOFTWARE</th>
              <td>{data.sources.software ?? "—"}</td>
            </tr>
            <tr>
              <th scope="row">Files</th>
              <td>{data.sources.filesystem ?? data.target}</td>
            </tr>
          </tbody>
        </table>
        {[...data.sources.warnings, ...data.hiveProblems, ...data.unknown.map((u) => `${u.section}: ${u.reason}`)].map((w) => (
          <p class="warning">{w}</p>
        ))}
      </section>
    </div>
  );
}
