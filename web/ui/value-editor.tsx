/** The inline form behind New key, Rename key, New value, Modify and Rename on the Registry Editor page. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ValueInfo } from "./registry";

export type EditorState = { mode: "new-key" } | { mode: "rename-key"; name: string } | { mode: "new-value" } | { mode: "modify" } | { mode: "rename-value"; name: string };

const TYPES = ["REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY", "REG_NONE"];
const TYPE_NUMBER: Record<string, number> = { REG_NONE: 0, REG_SZ: 1, REG_EXPAND_SZ: 2, REG_BINARY: 3, REG_DWORD: 4, REG_MULTI_SZ: 7, REG_QWORD: 11 };

/** The text a person edits for a value: strings as such, lines for multi-strings, decimal numbers, hex bytes otherwise. */
function initialText(v: ValueInfo | undefined, type: string): string {
  if (!v) return "";
  if (Array.isArray(v.data)) return v.data.join("\n");
  if (typeof v.data === "number" || (typeof v.data === "string" && type === "REG_QWORD")) return String(v.data);
  if (typeof v.data === "string") return v.data;
  return v.hex.replace(/(..)/g, "$1 ").trim();
}

function typeOf(v: ValueInfo | undefined): string {
  if (!v) return "REG_SZ";
  return TYPES.includes(v.typeName) && (v.data !== null || ["REG_BINARY", "REG_NONE"].includes(v.typeName)) ? v.typeName : `hex:${v.type}`;
}

/** Request data for the plan's schema: strings, a list, a number (DWORD), digits (QWORD) or hex. */
function requestData(type: string, text: string): string | number | string[] {
  if (type === "REG_MULTI_SZ") return text === "" ? [] : text.split(/\r?\n/);
  if (type === "REG_DWORD") {
    const t = text.trim();
    const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error("a DWORD is a number from 0 to 4294967295 (or 0x0 to 0xffffffff)");
    return n;
  }
  if (type === "REG_QWORD") {
    const t = text.trim();
    if (!/^(0x[0-9a-f]{1,16}|\d+)$/i.test(t)) throw new Error("a QWORD is a non-negative number (or 0x…)");
    return BigInt(t).toString();
  }
  if (type === "REG_SZ" || type === "REG_EXPAND_SZ") return text;
  return text.replace(/[\s,:]/g, "");
}

export function ValueEditor(props: {
  state: EditorState;
  keyInfo: { hive: string; path: string };
  value: ValueInfo | undefined;
  onStage: (body: Record<string, unknown>) => void;
  onCancel: () => void;
}) {
  const { state, keyInfo, value } = props;
  const [name, setName] = useState(state.mode === "rename-key" || state.mode === "rename-value" ? state.name : state.mode === "modify" ? (value?.name ?? "") : "");
  const [type, setType] = useState(typeOf(state.mode === "modify" ? value : undefined));
  const [text, setText] = useState(initialText(state.mode === "modify" ? value : undefined, typeOf(value)));
  const [problem, setProblem] = useState<string | undefined>();
  const first = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useEffect(() => first.current?.focus(), [state.mode]);

  const submit = (e: Event) => {
    e.preventDefault();
    try {
      const where = { hive: keyInfo.hive, key: keyInfo.path };
      switch (state.mode) {
        case "new-key":
          return props.onStage({ op: "create-key", hive: keyInfo.hive, key: keyInfo.path ? `${keyInfo.path}\\${name}` : name });
        case "rename-key":
          return props.onStage({ op: "rename-key", ...where, newName: name });
        case "rename-value":
          return props.onStage({ op: "rename-value", ...where, name: state.name, newName: name });
        default: {
          const hexType = type.startsWith("hex:") ? Number(type.slice(4)) : undefined;
          const t = hexType ?? type;
          return props.onStage({ op: "set-value", ...where, name, type: t, data: requestData(hexType === undefined ? type : "hex", text) });
        }
      }
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  const titles = { "new-key": "New key", "rename-key": "Rename key", "new-value": "New value", modify: "Edit value", "rename-value": "Rename value" };
  const isValue = state.mode === "new-value" || state.mode === "modify";
  const hexLike = type.startsWith("hex:") || type === "REG_BINARY" || type === "REG_NONE";
  return (
    <form class="editor" onSubmit={submit} aria-label={titles[state.mode]}>
      <h3>{titles[state.mode]}</h3>
      {state.mode !== "modify" && (
        <label>
          {state.mode.endsWith("key") ? "Key name" : "Value name"}
          <input ref={first} name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required={state.mode !== "new-value"} />
        </label>
      )}
      {state.mode === "modify" && (
        <p>
          Value <strong>{name === "" ? "(Default)" : name}</strong>
        </p>
      )}
      {isValue && (
        <>
          <label>
            Type
            <select name="type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              {TYPES.map((t) => (
                <option value={t}>{t}</option>
              ))}
              {type.startsWith("hex:") && <option value={type}>{value?.typeName} (hex)</option>}
            </select>
          </label>
          <label>
            {type === "REG_MULTI_SZ" ? "Data (one string per line)" : hexLike ? "Data (hex bytes)" : type === "REG_DWORD" || type === "REG_QWORD" ? "Data (decimal, or 0x… hex)" : "Data"}
            {type === "REG_MULTI_SZ" || hexLike ? (
              <textarea ref={state.mode === "modify" ? first : undefined} name="data" rows={5} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
            ) : (
              <input ref={state.mode === "modify" ? first : undefined} name="data" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
            )}
          </label>
          <p class="muted">Type number {TYPE_NUMBER[type] ?? type.slice(4)}.</p>
        </>
      )}
      {problem && <p class="error" role="alert">{problem}</p>}
      <div class="toolbar">
        <button type="submit" class="primary">Stage</button>
        <button type="button" onClick={props.onCancel}>Cancel</button>
      </div>
    </form>
  );
}
