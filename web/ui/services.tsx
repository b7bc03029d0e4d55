/** Computer Management: services and drivers, sortable and filterable; the start type can be changed (staged). */
import { useMemo, useState } from "preact/hooks";
import { post, START_NAMES, startName } from "./api";
import { useApi } from "./hooks";
import type { PageProps } from "./main";

interface ServiceRow {
  name: string;
  displayName: string;
  start: number | null;
  staged: number | null;
  delayedAutostart: boolean;
  type: number | null;
  kind: string;
  group: string | null;
  imagePath: string | null;
  installed: boolean;
  vendor: string | null;
  plan: string[];
}

type Column = "name" | "displayName" | "start" | "kind" | "group" | "imagePath" | "vendor" | "plan";
const COLUMNS: [Column, string][] = [
  ["name", "Name"],
  ["displayName", "Display name"],
  ["start", "Start type"],
  ["kind", "Type"],
  ["group", "Group"],
  ["imagePath", "Image path"],
  ["vendor", "Vendor"],
  ["plan", "Plan"],
];

function sortValue(r: ServiceRow, c: Column): string | number {
  if (c === "start") return r.staged ?? r.start ?? 99;
  if (c === "plan") return r.plan.join(" ");
  return (r[c] ?? "").toString().toLowerCase();
}

export function Services({ version, changed, readOnly }: PageProps) {
  const { data, error } = useApi<{ items: ServiceRow[]; controlSet: string }>("/api/services", version);
  const [filter, setFilter] = useState("");
  const [show, setShow] = useState<"all" | "services" | "drivers" | "vendor" | "planned">("all");
  const [sort, setSort] = useState<{ col: Column; asc: boolean }>({ col: "name", asc: true });
  const [message, setMessage] = useState<{ text: string; error?: boolean } | undefined>();
  const rows = useMemo(() => {
    if (!data) return [];
    const f = filter.trim().toLowerCase();
    return data.items
      .filter((r) => {
        if (show === "drivers" && !/driver/i.test(r.kind)) return false;
        if (show === "services" && /driver/i.test(r.kind)) return false;
        if (show === "vendor" && !r.vendor) return false;
        if (show === "planned" && r.plan.length === 0 && r.staged === null) return false;
        return f === "" || [r.name, r.displayName, r.imagePath ?? "", r.group ?? "", r.vendor ?? ""].some((s) => s.toLowerCase().includes(f));
      })
      .sort((a, b) => {
        const x = sortValue(a, sort.col);
        const y = sortValue(b, sort.col);
        return (x < y ? -1 : x > y ? 1 : 0) * (sort.asc ? 1 : -1);
      });
  }, [data, filter, show, sort]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="loading">Reading services…</p>;

  const setStart = async (r: ServiceRow, start: number) => {
    try {
      const res = await post<{ edit: { label: string } }>("/api/edits", { op: "service-start", service: r.name, start });
      setMessage({ text: `Staged: ${res.edit.label}. Nothing is written until you apply the plan.` });
      changed();
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    }
  };

  return (
    <div class="services">
      <p class="muted">
        Services and drivers of {data.controlSet}, as the next boot reads them. A new start type is staged: it joins the plan and is written only by Apply.
      </p>
      <div class="toolbar" role="search">
        <label>
          Filter <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="name, display name, path, vendor" />
        </label>
        <label>
          Show{" "}
          <select value={show} onChange={(e) => setShow((e.target as HTMLSelectElement).value as typeof show)}>
            <option value="all">all</option>
            <option value="services">services</option>
            <option value="drivers">drivers</option>
            <option value="vendor">vendor-tagged</option>
            <option value="planned">changed by the plan</option>
          </select>
        </label>
        <span class="muted" aria-live="polite">
          {rows.length} of {data.items.length}
        </span>
      </div>
      {message && (
        <p class={message.error ? "error" : "notice"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      <div class="table-wrap">
        <table class="grid">
          <thead>
            <tr>
              {COLUMNS.map(([c, label]) => (
                <th scope="col" aria-sort={sort.col === c ? (sort.asc ? "ascending" : "descending") : "none"}>
                  <button type="button" class="sort" onClick={() => setSort({ col: c, asc: sort.col === c ? !sort.asc : true })}>
                    {label}
                    {sort.col === c ? (sort.asc ? " ▲" : " ▼") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr class={r.staged !== null ? "staged" : ""} data-service={r.name}>
                <td><code>{r.name}</code></td>
                <td>{r.displayName}</td>
                <td class="start-col">
                  {readOnly || r.start === null ? (
                    startName(r.start)
                  ) : (
                    <select aria-label={`Start type of ${r.name}`} value={String(r.staged ?? r.start)} onChange={(e) => setStart(r, Number((e.target as HTMLSelectElement).value))}>
                      {START_NAMES.map((n, i) => (
                        <option value={String(i)}>
                          {n} ({i})
                        </option>
                      ))}
                    </select>
                  )}
                  {r.delayedAutostart && <span class="muted"> delayed</span>}
                  {r.staged !== null && <div class="badge pending">pending: {startName(r.start)} → {startName(r.staged)}</div>}
                </td>
                <td class="nowrap">{r.kind}</td>
                <td>{r.group ?? ""}</td>
                <td class="path">{r.imagePath ?? ""}</td>
                <td>{r.vendor ?? ""}</td>
                <td class="plan-col">{r.plan.map((p) => <div>{p}</div>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
