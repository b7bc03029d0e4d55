/**
 * Registry Editor: the hives as a tree (arrow keys: up/down move, right opens, left closes or
 * goes up, Enter selects), the selected key's values with a hex view, search, and staged
 * create / rename / delete / set. Every change is staged and shown in the Plan page's diff.
 */
import { useEffect, useState } from "preact/hooks";
import type { SearchHit, ValueView } from "../../src/web/registry-view.js";
import { get, post, qs } from "./api";
import { useApi } from "./hooks";
import type { PageProps } from "./main";
import { ValueEditor, type EditorState } from "./value-editor";

interface HiveInfo {
  name: string;
  source: string;
  writable: boolean;
}
interface SubkeyInfo {
  name: string;
  hasSubkeys: boolean;
}
export type ValueInfo = ValueView;
interface KeyInfo {
  hive: string;
  path: string;
  lastWritten: string | null;
  subkeys: SubkeyInfo[];
  values: ValueInfo[];
  writable: boolean;
}
type Hit = SearchHit;

const id = (hive: string, path: string) => `${hive}|${path}`;
const child = (path: string, name: string) => (path === "" ? name : `${path}\\${name}`);
const parentOf = (path: string) => (path.includes("\\") ? path.slice(0, path.lastIndexOf("\\")) : "");

function shownData(v: ValueInfo): string {
  if (v.data === null) return v.hex.length > 96 ? `${v.hex.slice(0, 96).replace(/(..)/g, "$1 ")}… (${v.size} bytes)` : v.hex.replace(/(..)/g, "$1 ").trim() || "(zero-length binary value)";
  if (Array.isArray(v.data)) return v.data.join(" · ");
  if (typeof v.data === "number") return `0x${v.data.toString(16).padStart(v.type === 11 ? 16 : 8, "0")} (${v.data})`;
  return v.data;
}

function HexView({ value }: { value: ValueInfo }) {
  const bytes = value.hex.match(/../g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.slice(i, i + 16);
    const ascii = row.map((b) => {
      const c = parseInt(b, 16);
      return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
    });
    lines.push(`${i.toString(16).padStart(8, "0")}  ${row.join(" ").padEnd(47)}  ${ascii.join("")}`);
  }
  return (
    <section class="hexview" aria-label={`Hex view of ${value.name || "(Default)"}`}>
      <h3>
        {value.name || "(Default)"} — {value.typeName}, {value.size} bytes{value.truncated ? " (first 64 KiB shown; the .reg export has all)" : ""}
      </h3>
      <pre tabIndex={0}>{lines.join("\n") || "(empty)"}</pre>
    </section>
  );
}

export function Registry({ version, changed, readOnly }: PageProps) {
  const hives = useApi<{ hives: HiveInfo[]; problems: string[] }>("/api/hives", version);
  const [children, setChildren] = useState<Record<string, SubkeyInfo[]>>({});
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<{ hive: string; path: string } | undefined>();
  const [focused, setFocused] = useState<string | undefined>();
  const [valueName, setValueName] = useState<string | undefined>();
  const [editor, setEditor] = useState<EditorState | undefined>();
  const [message, setMessage] = useState<{ text: string; error?: boolean } | undefined>();
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<{ hits: Hit[]; complete: boolean } | undefined>();
  const key = useApi<KeyInfo>(selected ? `/api/key?${qs({ hive: selected.hive, path: selected.path })}` : null, version);

  const load = async (hive: string, path: string): Promise<SubkeyInfo[]> => {
    const k = await get<KeyInfo>(`/api/key?${qs({ hive, path })}`);
    setChildren((c) => ({ ...c, [id(hive, path)]: k.subkeys }));
    return k.subkeys;
  };
  // After a change, the open branches are read again (staged edits show in the tree).
  useEffect(() => {
    for (const e of expanded) {
      const [hive, path] = e.split("|");
      load(hive, path).catch(() => setExpanded((x) => new Set([...x].filter((y) => y !== e))));
    }
  }, [version]);
  useEffect(() => {
    if (!focused) return;
    document.querySelector<HTMLElement>(`[data-node="${CSS.escape(focused)}"]`)?.focus();
  }, [focused]);

  if (hives.error) return <p class="error" role="alert">{hives.error}</p>;
  if (!hives.data) return <p class="loading">Reading hives…</p>;

  const visible: { hive: string; path: string; name: string; depth: number; hasSubkeys: boolean }[] = [];
  const walk = (hive: string, path: string, depth: number) => {
    for (const s of children[id(hive, path)] ?? []) {
      const p = child(path, s.name);
      visible.push({ hive, path: p, name: s.name, depth, hasSubkeys: s.hasSubkeys });
      if (expanded.has(id(hive, p))) walk(hive, p, depth + 1);
    }
  };
  for (const h of hives.data.hives) {
    visible.push({ hive: h.name, path: "", name: h.name, depth: 0, hasSubkeys: true });
    if (expanded.has(id(h.name, ""))) walk(h.name, "", 1);
  }

  const toggle = async (hive: string, path: string, open?: boolean) => {
    const nid = id(hive, path);
    const willOpen = open ?? !expanded.has(nid);
    if (willOpen && !children[nid]) {
      try {
        await load(hive, path);
      } catch (e) {
        setMessage({ text: (e as Error).message, error: true });
        return;
      }
    }
    setExpanded((x) => {
      const n = new Set(x);
      if (willOpen) n.add(nid);
      else n.delete(nid);
      return n;
    });
  };
  const select = (hive: string, path: string, value?: string) => {
    setSelected({ hive, path });
    setFocused(id(hive, path));
    setValueName(value);
    setEditor(undefined);
  };
  const navigate = async (hive: string, path: string, value?: string) => {
    const parts = path === "" ? [] : path.split("\\");
    let p = "";
    await toggle(hive, "", true);
    for (const part of parts.slice(0, -1)) {
      p = child(p, part);
      await toggle(hive, p, true);
    }
    select(hive, path, value);
  };
  const onTreeKey = (e: KeyboardEvent) => {
    const i = visible.findIndex((n) => id(n.hive, n.path) === focused);
    const n = visible[i];
    if (!n) return;
    const nid = id(n.hive, n.path);
    const go = (j: number) => visible[j] && setFocused(id(visible[j].hive, visible[j].path));
    switch (e.key) {
      case "ArrowDown":
        go(i + 1);
        break;
      case "ArrowUp":
        go(i - 1);
        break;
      case "Home":
        go(0);
        break;
      case "End":
        go(visible.length - 1);
        break;
      case "ArrowRight":
        if (n.hasSubkeys && !expanded.has(nid)) void toggle(n.hive, n.path, true);
        else if (expanded.has(nid)) go(i + 1);
        break;
      case "ArrowLeft":
        if (expanded.has(nid)) void toggle(n.hive, n.path, false);
        else if (n.path !== "") setFocused(id(n.hive, parentOf(n.path)));
        break;
      case "Enter":
      case " ":
        select(n.hive, n.path);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const stage = async (body: Record<string, unknown>, after?: () => void) => {
    try {
      const r = await post<{ edit: { label: string } }>("/api/edits", body);
      setMessage({ text: `Staged: ${r.edit.label}. It is written only when you apply the plan.` });
      setEditor(undefined);
      after?.();
      changed();
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    }
  };
  const search = async (e: Event) => {
    e.preventDefault();
    const hive = selected?.hive ?? hives.data!.hives[0]?.name;
    if (!hive || query.trim() === "") return;
    try {
      setHits(await get(`/api/search?${qs({ hive, q: query })}`));
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  };

  const k = key.data;
  const value = k?.values.find((v) => v.name === valueName);
  const writable = !readOnly && Boolean(k?.writable);
  const keyLabel = k ? `${k.hive}${k.path ? `\\${k.path}` : ""}` : "";
  return (
    <div class="registry">
      <div class="tree-pane">
        <form class="toolbar" role="search" onSubmit={search}>
          <label>
            Find in {selected?.hive ?? hives.data.hives[0]?.name ?? "hive"}{" "}
            <input type="search" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} placeholder="key, value name or data" />
          </label>
          <button type="submit">Find</button>
        </form>
        {hits && (
          <div class="hits">
            <p class="muted">
              {hits.hits.length} matches{hits.complete ? "" : " (stopped at the limit)"}{" "}
              <button type="button" class="link" onClick={() => setHits(undefined)}>close</button>
            </p>
            <ul>
              {hits.hits.map((h) => (
                <li>
                  <button type="button" class="link" onClick={() => navigate(h.hive, h.path, h.value)}>
                    {h.hive}\{h.path}
                    {h.value !== undefined ? ` : ${h.value || "(Default)"}` : ""}
                  </button>{" "}
                  <span class="muted">{h.match}</span>
                </li>
              ))}
            </ul>
          </div>
        )}
        <ul class="tree" role="tree" aria-label="Hives and keys" onKeyDown={onTreeKey}>
          {visible.map((n) => {
            const nid = id(n.hive, n.path);
            const isSel = selected && id(selected.hive, selected.path) === nid;
            return (
              <li
                role="treeitem"
                data-node={nid}
                aria-level={n.depth + 1}
                aria-expanded={n.hasSubkeys ? expanded.has(nid) : undefined}
                aria-selected={isSel ? true : false}
                tabIndex={(focused ?? id(visible[0].hive, "")) === nid ? 0 : -1}
                class={isSel ? "selected" : ""}
                style={{ paddingLeft: `${n.depth * 1.1 + 0.3}rem` }}
                onClick={() => select(n.hive, n.path)}
                onFocus={() => setFocused(nid)}
              >
                <span
                  class="twisty"
                  aria-hidden="true"
                  onClick={(e) => {
                    e.stopPropagation();
                    if (n.hasSubkeys) void toggle(n.hive, n.path);
                  }}
                >
                  {n.hasSubkeys ? (expanded.has(nid) ? "▾" : "▸") : "·"}
                </span>
                {n.name}
              </li>
            );
          })}
        </ul>
        {hives.data.problems.map((p) => (
          <p class="warning">{p}</p>
        ))}
      </div>
      <div class="values-pane">
        {message && (
          <p class={message.error ? "error" : "notice"} role={message.error ? "alert" : "status"}>
            {message.text}
          </p>
        )}
        {!selected && <p class="muted">Choose a key in the tree (Tab to it, arrows to move, Enter to open).</p>}
        {key.error && <p class="error" role="alert">{key.error}</p>}
        {k && (
          <>
            <h2 class="keypath">{keyLabel}</h2>
            <p class="muted">
              {k.subkeys.length} subkeys, {k.values.length} values{k.lastWritten ? `, last written ${k.lastWritten}` : ""}
              {!k.writable && !readOnly ? " — this hive is shown read-only (apply writes SYSTEM and SOFTWARE in images)" : ""}
            </p>
            <div class="toolbar">
              {writable && (
                <>
                  <button type="button" onClick={() => setEditor({ mode: "new-key" })}>New key</button>
                  {k.path !== "" && <button type="button" onClick={() => setEditor({ mode: "rename-key", name: k.path.split("\\").pop()! })}>Rename key</button>}
                  {k.path !== "" && (
                    <button type="button" class="danger" onClick={() => stage({ op: "delete-key", hive: k.hive, key: k.path }, () => select(k.hive, parentOf(k.path)))}>
                      Delete key
                    </button>
                  )}
                  <button type="button" onClick={() => setEditor({ mode: "new-value" })}>New value</button>
                </>
              )}
              <a class="button" href={`/api/export?${qs({ hive: k.hive, path: k.path })}`} download>
                Export .reg
              </a>
            </div>
            {editor && k && <ValueEditor state={editor} keyInfo={{ hive: k.hive, path: k.path }} value={editor.mode === "modify" || editor.mode === "rename-value" ? value : undefined} onStage={stage} onCancel={() => setEditor(undefined)} />}
            <div class="table-wrap">
              <table class="grid values">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Data</th>
                    {writable && <th scope="col"><span class="sr-only">Actions</span></th>}
                  </tr>
                </thead>
                <tbody>
                  {k.values.length === 0 && (
                    <tr>
                      <td colSpan={4} class="muted">(value not set)</td>
                    </tr>
                  )}
                  {k.values.map((v) => (
                    <tr class={v.name === valueName ? "selected" : ""} data-value={v.name}>
                      <td>
                        <button type="button" class="link" aria-pressed={v.name === valueName} onClick={() => setValueName(v.name)}>
                          {v.name === "" ? "(Default)" : v.name}
                        </button>
                      </td>
                      <td class="nowrap">{v.typeName}</td>
                      <td class="data">{shownData(v)}</td>
                      {writable && (
                        <td class="nowrap actions">
                          <button type="button" aria-label={`Modify ${v.name || "(Default)"}`} onClick={() => (setValueName(v.name), setEditor({ mode: "modify" }))}>Modify</button>
                          <button type="button" aria-label={`Rename ${v.name || "(Default)"}`} onClick={() => (setValueName(v.name), setEditor({ mode: "rename-value", name: v.name }))}>Rename</button>
                          <button type="button" class="danger" aria-label={`Delete ${v.name || "(Default)"}`} onClick={() => stage({ op: "delete-value", hive: k.hive, key: k.path, name: v.name })}>Delete</button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {value && <HexView value={value} />}
          </>
        )}
      </div>
    </div>
  );
}
