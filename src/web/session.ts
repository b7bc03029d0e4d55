/**
 * One console session over one target: what the pages show (inspect's report, the plan, the
 * hives), the staged edits, and the write jobs. Everything comes from the library the CLI
 * uses: loadWindows + inspectWindows (Overview, Computer Management, Network), buildPlan (Plan),
 * readFirstBootReport (First boot), loadHives + registry-view (Registry Editor). Staged edits join
 * the plan as one more fixup ("console"), and only applyPlan writes, as `p2vfix apply` does;
 * `undoApply` undoes, as `p2vfix undo` does.
 */
import { existsSync, statSync } from "node:fs";
import { undoApply } from "../apply/index.js";
import { NotFoundError, P2vfixError, RefusedError, UsageError } from "../errors.js";
import { readFirstBootReport, type FirstBootReport } from "../firstboot/index.js";
import type { FixupOptions } from "../fixups/options.js";
import { applyPlan, type ApplyReport } from "../plan/apply.js";
import { buildPlan } from "../plan/build.js";
import { registryToEntry, serviceToEntry } from "../plan/entries.js";
import { loadProfile, resolveOptions } from "../plan/profiles.js";
import type { PlanFile } from "../plan/schema.js";
import { restoreVmLinks } from "../plan/vm-link.js";
import { isHiveFile, type Hive } from "../regf/internal.js";
import type { HiveName, RegistryChange } from "../changes/change.js";
import { inspectWindows } from "../windows/inspect.js";
import { loadWindows } from "../windows/load.js";
import type { InspectReport } from "../windows/schema.js";
import { stageEdit, CONSOLE_FIXUP, type EditRequest, type StagedEdit } from "./edits.js";
import { loadHives, type ConsoleHive } from "./hives.js";
import { previewHive } from "./registry-view.js";

export interface ConsoleOptions {
  target: string;
  readOnly?: boolean;
  partition?: number;
  /** Target hypervisor for the findings and the plan (as `inspect --target`). */
  hypervisor?: FixupOptions["target"];
  /** MAC of the new NIC (as `plan --mac`). */
  mac?: string;
  profile?: string;
  /** Folder for the undo file (default: beside the image). */
  backupDir?: string;
}

interface Loaded {
  report: InspectReport;
  plan: PlanFile;
  firstBoot: FirstBootReport | null;
  hives: ConsoleHive[];
  hiveProblems: string[];
}

export interface JobView {
  id: number;
  kind: "apply" | "undo";
  state: "running" | "done" | "failed";
  phases: { name: string; state: "waiting" | "running" | "done" | "failed" }[];
  messages: string[];
  error?: { code: string; message: string };
}

export interface DiffView {
  revision: number;
  entries: ApplyReport["diff"];
  steps: { id: string; title: string; shell: string; timeoutSeconds: number; retries: number; fixup: string }[];
  vm: ApplyReport["expanded"]["vm"];
  notices: string[];
  error?: { code: string; message: string };
}

const SERVICES_KEY = /^(ControlSet\d{3})\\Services\\([^\\]+)/i;

export class ConsoleSession {
  readonly target: string;
  readonly readOnly: boolean;
  /** A disk image file (undo file, `p2vfix undo`) rather than hive files (HIVE.bak). */
  readonly isImage: boolean;
  revision = 0;
  private readonly options: ConsoleOptions;
  private readonly fixupOptions: FixupOptions;
  private readonly profileName: string;
  private loaded!: Loaded;
  private edits: StagedEdit[] = [];
  private nextEditId = 1;
  private readonly disabled = new Set<string>();
  private previews = new Map<HiveName, { revision: number; hive: Hive }>();
  private diffCache: DiffView | undefined;
  private job: JobView | undefined;
  private nextJobId = 1;
  private lastUndoFile: string | undefined;

  constructor(options: ConsoleOptions) {
    this.options = options;
    this.target = options.target;
    this.readOnly = options.readOnly ?? false;
    const profile = loadProfile(options.profile ?? "p2v-default");
    this.profileName = profile.name;
    this.fixupOptions = resolveOptions(profile, { ...(options.hypervisor ? { target: options.hypervisor } : {}), ...(options.mac ? { mac: options.mac } : {}) });
    if (!existsSync(options.target)) throw new NotFoundError("target-not-found", `${options.target} does not exist`, { path: options.target });
    const st = statSync(options.target);
    this.isImage = st.isBlockDevice() || (st.isFile() && !isHiveFile(options.target) && !/\.reg$/i.test(options.target));
    this.reload();
  }

  /** Reads everything again from the target (after a write, or at start). */
  private reload(): void {
    const partition = this.options.partition;
    const windows = loadWindows(this.target, partition === undefined ? {} : { partition });
    let report: InspectReport;
    let plan: PlanFile;
    let firstBoot: FirstBootReport | null;
    try {
      report = inspectWindows(windows.hives, { ...windows.options, ...(this.fixupOptions.target ? { target: this.fixupOptions.target } : {}) });
      plan = buildPlan({ hives: windows.hives, modelOptions: windows.options, options: this.fixupOptions, source: this.target, profile: this.profileName }).plan;
      firstBoot = windows.hives.software ? readFirstBootReport(windows.hives.software) : null;
    } finally {
      windows.close();
    }
    const { hives, problems } = loadHives(this.target, partition);
    this.loaded = { report, plan, firstBoot, hives, hiveProblems: problems };
    this.previews.clear();
    this.bump();
  }

  private bump(): void {
    this.revision++;
    this.diffCache = undefined;
  }

  get report(): InspectReport {
    return this.loaded.report;
  }

  /** The new NIC's MAC when given (--mac): the first-boot steps find the NIC by it. */
  get newNicMac(): string | undefined {
    return this.fixupOptions.mac;
  }

  get firstBoot(): FirstBootReport | null {
    return this.loaded.firstBoot;
  }

  get hiveProblems(): string[] {
    return this.loaded.hiveProblems;
  }

  get stagedEdits(): { id: number; label: string }[] {
    return this.edits.map((edit) => ({ id: edit.id, label: edit.label }));
  }

  get busy(): boolean {
    return this.job?.state === "running";
  }

  get currentJob(): JobView | undefined {
    return this.job;
  }

  hives(): { name: HiveName; source: string; writable: boolean }[] {
    return this.loaded.hives.map((hive) => ({ name: hive.name, source: hive.source, writable: hive.writable && !this.readOnly }));
  }

  private stagedRegistry(): RegistryChange[] {
    return this.edits.flatMap((edit) => edit.registry);
  }

  /** A hive as the Registry Editor shows it: the image's, with the staged edits applied in memory. */
  hive(name: string): { name: HiveName; hive: Hive; writable: boolean } {
    const found = this.loaded.hives.find((consoleHive) => consoleHive.name === name.toUpperCase());
    if (!found) throw new UsageError("hive-not-found", `no hive ${JSON.stringify(name)} here (hives: ${this.loaded.hives.map((consoleHive) => consoleHive.name).join(", ") || "none"})`);
    const cached = this.previews.get(found.name);
    if (cached && cached.revision === this.revision) return { name: found.name, hive: cached.hive, writable: found.writable };
    const hive = previewHive(found.hive, found.name, this.stagedRegistry());
    this.previews.set(found.name, { revision: this.revision, hive });
    return { name: found.name, hive, writable: found.writable };
  }

  /** The hive as it is in the image (exports and Start values "as found"). */
  originalHive(name: string): { name: HiveName; hive: Hive } {
    const found = this.loaded.hives.find((hive) => hive.name === name.toUpperCase());
    if (!found) throw new UsageError("hive-not-found", `no hive ${JSON.stringify(name)} here`);
    return { name: found.name, hive: found.hive };
  }

  private refuseWrites(): void {
    if (this.readOnly) throw new RefusedError("read-only", "the console was started with --read-only: nothing can be changed");
    if (this.busy) throw new RefusedError("busy", `a ${this.job!.kind} is running: wait for it to finish`);
  }

  addEdit(request: EditRequest): { id: number; label: string } {
    this.refuseWrites();
    const staged = stageEdit(request, {
      writableHive: (name) => {
        const hive = this.hive(String(name));
        return hive.writable ? hive : undefined;
      },
      serviceStart: (service) => this.serviceStart(service),
    });
    // A new start type for a service replaces the one staged before; back to the original removes it.
    if (staged.service) {
      const name = staged.service.service.toUpperCase();
      this.edits = this.edits.filter((stagedEdit) => stagedEdit.service?.service.toUpperCase() !== name);
      if (staged.service.start === staged.service.originalStart) {
        this.bump();
        return { id: 0, label: `${staged.service.service}: back to its original start type` };
      }
    }
    const edit = { ...staged, id: this.nextEditId++ };
    // Applied to a copy first: an edit the hive editor refuses is refused now, not at Apply.
    for (const name of new Set(edit.registry.map((change) => change.hive))) previewHive(this.hive(name).hive, name, edit.registry);
    this.edits.push(edit);
    this.bump();
    return { id: edit.id, label: edit.label };
  }

  removeEdit(id: number | "all"): void {
    this.refuseWrites();
    const before = this.edits.length;
    this.edits = id === "all" ? [] : this.edits.filter((edit) => edit.id !== id);
    if (id !== "all" && this.edits.length === before) throw new UsageError("edit-not-found", `no staged edit ${id}`);
    this.bump();
  }

  setFixupEnabled(id: string, enabled: boolean): void {
    this.refuseWrites();
    if (!this.loaded.plan.fixups.some((fixup) => fixup.id === id)) throw new UsageError("fixup-not-found", `the plan has no fixup ${JSON.stringify(id)}`);
    if (enabled) this.disabled.delete(id);
    else this.disabled.add(id);
    this.bump();
  }

  /** Control sets holding the service, and its Start in the one the next boot uses (from the image). */
  private serviceStart(service: string): { controlSets: string[]; originalStart: number | null } | undefined {
    const system = this.loaded.hives.find((hive) => hive.name === "SYSTEM")?.hive;
    if (!system) return undefined;
    const sets = this.report.controlSets.available.filter((cs) => system.key(`${cs}\\Services\\${service}`) !== undefined);
    if (sets.length === 0) return undefined;
    const key = system.key(`${this.report.controlSets.resolved}\\Services\\${service}`) ?? system.key(`${sets[0]}\\Services\\${service}`);
    const start = key?.value("Start");
    return { controlSets: sets, originalStart: start?.type === 4 ? (start.dword() ?? null) : null };
  }

  /** The plan file apply gets: the built plan, fixups switched off on the Plan page, and the console's edits. */
  plan(): PlanFile {
    const base = this.loaded.plan;
    const fixups = base.fixups.map((fixup) => ({ ...fixup, enabled: !this.disabled.has(fixup.id) }));
    if (this.edits.length > 0) {
      fixups.push({
        id: CONSOLE_FIXUP,
        title: "Edits made in the web console",
        enabled: true,
        findings: [],
        registry: this.stagedRegistry().map(registryToEntry),
        services: this.edits.flatMap((edit) => (edit.service ? [serviceToEntry(edit.service)] : [])),
        notices: [],
      });
    }
    return { ...base, fixups };
  }

  /** What each service's planned and staged changes do to it, by upper-case service name. */
  serviceActions(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (service: string, text: string) => {
      const list = out.get(service.toUpperCase()) ?? [];
      if (!list.includes(text)) list.push(text);
      out.set(service.toUpperCase(), list);
    };
    for (const fixup of this.plan().fixups) {
      if (!fixup.enabled) continue;
      for (const service of fixup.services) add(service.service, `Start ${service.originalStart ?? "absent"} → ${service.start}${service.reEnable ? ` (back to ${service.originalStart} after first boot)` : ""} [${fixup.id}]`);
      for (const entry of fixup.registry) {
        const path = entry.set ?? entry["delete-value"] ?? entry["create-key"] ?? entry["delete-key"] ?? "";
        const match = SERVICES_KEY.exec(path.replace(/^SYSTEM\\/i, ""));
        if (!path.toUpperCase().startsWith("SYSTEM\\") || !match) continue;
        const op = entry["delete-key"] ? "delete key" : entry.set ? `set ${entry.name || "(default)"}` : entry["delete-value"] ? `delete ${entry.name}` : "create key";
        add(match[2], `${op} [${fixup.id}]`);
      }
    }
    return out;
  }

  /** The plan's diff against the target: a dry run of apply (preflight and verify included). */
  diff(): DiffView {
    if (this.diffCache?.revision === this.revision) return this.diffCache;
    const revision = this.revision;
    let view: DiffView;
    try {
      const applyReport = applyPlan(this.target, this.plan(), { dryRun: true, ...this.applyOptions() });
      view = {
        revision,
        entries: applyReport.diff,
        steps: applyReport.expanded.steps.map((step) => ({ id: step.id, title: step.title, shell: step.shell, timeoutSeconds: step.timeoutSeconds, retries: step.retries, fixup: step.fixup })),
        vm: applyReport.expanded.vm,
        notices: applyReport.expanded.notices,
      };
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      view = { revision, entries: [], steps: [], vm: null, notices: [], error: { code: err.code, message: err.message } };
    }
    this.diffCache = view;
    return view;
  }

  private applyOptions(): { image: { partition?: number; backupDir?: string }; backup: boolean } {
    const { partition, backupDir } = this.options;
    return { backup: true, image: { ...(partition === undefined ? {} : { partition }), ...(backupDir ? { backupDir } : {}) } };
  }

  /**
   * Starts Apply: the plan as shown at `revision` (another tab's newer edits, or an apply
   * already running, are refused). Phases run one per event-loop turn so the page can poll.
   */
  startApply(revision: number): JobView {
    this.refuseWrites();
    if (revision !== this.revision) throw new RefusedError("plan-changed", "the plan changed since this page showed it (another tab, or an apply): look at the diff again");
    const plan = this.plan();
    let dry: ApplyReport | undefined;
    let real: ApplyReport | undefined;
    return this.runJob("apply", [
      ["check the image and the plan (dry run)", (say) => {
        dry = applyPlan(this.target, plan, { dryRun: true, ...this.applyOptions() });
        say(`${dry.diff.length} registry changes to write`);
        return dry.diff.length > 0;
      }],
      ["write (undo file first, then verify)", (say) => {
        real = applyPlan(this.target, plan, { dryRun: false, ...this.applyOptions() });
        say(`written: ${real.diff.length} registry changes in ${real.written.join(", ")}`);
        for (const backup of real.backups) say(`original kept: ${backup}`);
        if (real.undoFile) {
          this.lastUndoFile = real.undoFile;
          say(`undo file: ${real.undoFile}`);
        }
        return true;
      }],
      ["read the image again", () => {
        this.edits = [];
        this.disabled.clear();
        this.reload();
        return true;
      }],
    ]);
  }

  startUndo(): JobView {
    this.refuseWrites();
    if (!this.isImage) throw new RefusedError("undo-unavailable", "undo works on disk images (undo file); for hive files apply kept the originals as HIVE.bak beside them");
    return this.runJob("undo", [
      ["restore the original bytes from the undo file", (say) => {
        const report = undoApply(this.target, { ...(this.lastUndoFile ? { undoFile: this.lastUndoFile } : {}), ...(this.options.backupDir ? { backupDir: this.options.backupDir } : {}) });
        say(`undo file: ${report.undoFile}: ${report.action}, ${report.bytesRestored} bytes restored`);
        for (const warning of report.warnings) say(`warning: ${warning}`);
        for (const line of restoreVmLinks(this.target, this.options.backupDir ? { backupDir: this.options.backupDir } : {})) say(line);
        this.lastUndoFile = undefined;
        return true;
      }],
      ["read the image again", () => {
        this.reload();
        return true;
      }],
    ]);
  }

  private runJob(kind: JobView["kind"], phases: [string, (say: (message: string) => void) => boolean][]): JobView {
    const job: JobView = { id: this.nextJobId++, kind, state: "running", phases: phases.map(([name]) => ({ name, state: "waiting" })), messages: [] };
    this.job = job;
    const say = (message: string) => void job.messages.push(message);
    const step = (index: number) => {
      if (index >= phases.length) {
        job.state = "done";
        return;
      }
      job.phases[index].state = "running";
      setImmediate(() => {
        try {
          const more = phases[index][1](say);
          job.phases[index].state = "done";
          if (!more) {
            say("nothing to write: the image already holds this plan");
            job.phases.slice(index + 1).forEach((phase) => (phase.state = "done"));
            job.state = "done";
            return;
          }
          step(index + 1);
        } catch (err) {
          job.phases[index].state = "failed";
          job.state = "failed";
          job.error = err instanceof P2vfixError ? { code: err.code, message: err.message } : { code: "internal", message: String((err as Error)?.message ?? err) };
          // What is on disk decides what the pages show, whatever happened.
          try {
            this.reload();
          } catch {
            /* the error above is the one to report */
          }
        }
      });
    };
    step(0);
    return job;
  }
}
