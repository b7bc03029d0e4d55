/**
 * The warnings of a plan, gathered from where they live (each fixup's notices, the plan's own,
 * the findings no fixup addresses, the runner's) into one list the terminal shows: a person
 * should not have to read a long YAML to learn that an address is only cleared.
 */
import type { PlanFile } from "../plan/schema.js";

export interface Notice {
  /** The fixup it comes from, "plan", "runner" or "to do by hand". */
  source: string;
  text: string;
}

/** Every notice of the plan's enabled fixups, the plan's own, and the findings left to do by hand. */
export function planNotices(plan: PlanFile, extra: readonly string[] = []): Notice[] {
  const out: Notice[] = [];
  for (const fixup of plan.fixups) if (fixup.enabled) for (const text of fixup.notices) out.push({ source: fixup.id, text });
  for (const text of plan.notices) out.push({ source: "plan", text });
  for (const text of extra) if (!out.some((notice) => notice.text === text)) out.push({ source: "runner", text });
  for (const text of plan.unaddressed) out.push({ source: "to do by hand", text });
  return out;
}

/** "1 warning", "3 warnings": counts in words a person reads. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A short block for the terminal; empty when there is nothing to say. */
export function renderNotices(notices: readonly Notice[]): string {
  if (notices.length === 0) return "";
  return `${plural(notices.length, "warning")}:\n${notices.map((notice) => `  ! [${notice.source}] ${notice.text}`).join("\n")}\n`;
}
