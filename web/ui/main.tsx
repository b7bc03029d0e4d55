/** The console's shell: a header with the pages as links (hash routes), and the current page. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useApi } from "./hooks";
import { Overview } from "./overview";
import { Services } from "./services";
import { Registry } from "./registry";
import { Network } from "./network";
import { Plan } from "./plan";
import { FirstBoot } from "./firstboot";

export interface PageProps {
  /** Bumped after every change, so pages read again. */
  version: number;
  changed: () => void;
  readOnly: boolean;
}

const PAGES = [
  { id: "overview", title: "Overview", Page: Overview },
  { id: "services", title: "Computer Management", Page: Services },
  { id: "registry", title: "Registry Editor", Page: Registry },
  { id: "network", title: "Network", Page: Network },
  { id: "plan", title: "Plan", Page: Plan },
  { id: "firstboot", title: "First boot report", Page: FirstBoot },
] as const;

function currentPage(): string {
  const id = location.hash.replace(/^#\/?/, "").split("?")[0];
  return PAGES.some((p) => p.id === id) ? id : "overview";
}

interface OverviewHead {
  target: string;
  readOnly: boolean;
  edits: number;
  installation: { productName: string | null; computerName: string | null };
}

function App() {
  const [page, setPage] = useState(currentPage());
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const on = () => setPage(currentPage());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const head = useApi<OverviewHead>("/api/overview", version);
  const current = PAGES.find((p) => p.id === page)!;
  useEffect(() => {
    document.title = `${current.title} — p2vfix console`;
    document.getElementById("main")?.focus();
  }, [page]);
  const readOnly = head.data?.readOnly ?? true;
  const Page = current.Page;
  return (
    <>
      <header class="top">
        <div class="brand">
          <strong>p2vfix console</strong>
          {head.data && (
            <span class="target" title={head.data.target}>
              {head.data.installation.computerName ?? "?"} · {head.data.installation.productName ?? "Windows"} · {head.data.target}
            </span>
          )}
          {readOnly && head.data && <span class="badge ro">read-only</span>}
        </div>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a href={`#/${p.id}`} class={p.id === page ? "active" : ""} aria-current={p.id === page ? "page" : undefined}>
              {p.title}
              {p.id === "plan" && head.data && head.data.edits > 0 && <span class="count" aria-label={`${head.data.edits} pending edits`}>{head.data.edits}</span>}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{current.title}</h1>
        {head.error && <p class="error" role="alert">{head.error}</p>}
        <Page version={version} changed={() => setVersion((v) => v + 1)} readOnly={readOnly} />
      </main>
    </>
  );
}

const root = document.getElementById("app")!;
// The "Loading" line is plain HTML: preact would keep it beside the app.
root.textContent = "";
render(<App />, root);
