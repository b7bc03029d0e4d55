/**
 * `batch INVENTORY --emit kubernetes`: the same wave as a Kubernetes Indexed Job (one completion
 * per image, `parallelism` from --jobs), a ConfigMap holding the inventory, and the volume wiring
 * (docs/kubernetes.md). Each pod runs `p2vfix batch /inventory/FILE --index $(JOB_COMPLETION_INDEX)`,
 * the very command a local worker runs. Facts used (Kubernetes batch/v1 API reference):
 * completionMode Indexed sets the pod annotation batch.kubernetes.io/job-completion-index;
 * backoffLimitPerIndex and podFailurePolicy need restartPolicy Never; a block-mode PVC is
 * attached with volumeDevices (devicePath), a filesystem one with volumeMounts; an emptyDir
 * volume lives as long as its pod. In block mode the state folder (which then also holds each
 * device's undo files, journal and lock) is the --state-pvc, else an emptyDir.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import { stringify } from "yaml";
import { ExitCode, UsageError } from "../errors.js";
import type { Output } from "../cli/output.js";
import type { InventoryEntry } from "./inventory.js";

export interface KubernetesOptions {
  jobs: number;
  out?: string;
  pvc?: string;
  volumeMode?: string;
  containerImage?: string;
  name?: string;
  namespace?: string;
  mount?: string;
  statePvc?: string;
}

/** RFC 1123 DNS subdomain: names of Jobs, ConfigMaps and PVCs. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Job name also becomes a label value on its pods: 63 characters at most. */
const MAX_JOB_NAME = 63;

function dnsName(value: string, what: string, line?: number, path?: string): string {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new UsageError("bad-kubernetes-name", `${what} ${JSON.stringify(value)} is not a Kubernetes name (lower-case letters, digits, "-" and ".")`, { ...(path ? { path } : {}), ...(line ? { line } : {}) });
  }
  return value;
}

/** Exit codes after which a retry cannot help (usage, bad input, refused, not found): the pod's index fails at once. */
const FINAL_EXIT_CODES = [ExitCode.usage, ExitCode.badInput, ExitCode.refused, ExitCode.notFound];

export interface Manifests {
  configMap: Record<string, unknown>;
  job: Record<string, unknown>;
}

export function buildKubernetesManifests(entries: readonly InventoryEntry[], inventoryText: string, inventoryPath: string, opts: KubernetesOptions): Manifests {
  const name = dnsName(opts.name ?? "p2vfix-wave", "--name");
  if (name.length > MAX_JOB_NAME) throw new UsageError("bad-kubernetes-name", `--name ${name} is longer than ${MAX_JOB_NAME} characters (it labels the Job's pods)`);
  const mode = opts.volumeMode ?? "filesystem";
  if (mode !== "filesystem" && mode !== "block") throw new UsageError("bad-volume-mode", `--volume-mode takes filesystem or block, not ${JSON.stringify(mode)}`);
  const mount = opts.mount ?? "/images";
  if (!isAbsolute(mount)) throw new UsageError("bad-mount", `--mount must be an absolute path in the pod, not ${JSON.stringify(mount)}`);
  const csv = /\.csv$/i.test(inventoryPath);
  let file = csv ? "inventory.csv" : "inventory.yaml";
  let text = inventoryText;
  const volumes: Record<string, unknown>[] = [{ name: "inventory", configMap: { name: `${name}-inventory` } }];
  const mounts: Record<string, unknown>[] = [{ name: "inventory", mountPath: "/inventory", readOnly: true }];
  const devices: Record<string, unknown>[] = [];
  let base = mount;
  let state: string | undefined;
  if (mode === "filesystem") {
    if (!opts.pvc) throw new UsageError("no-pvc", "--emit kubernetes needs --pvc NAME: the PersistentVolumeClaim holding the images (or --volume-mode block)");
    // The pods see the PVC, not this host: every path must be one inside it.
    for (const entry of entries) {
      const abs = [entry.image, entry.vm, ...(entry.files ?? []).map((extra) => extra.from)].find((path) => path !== undefined && isAbsolute(path));
      if (abs) throw new UsageError("absolute-path", `${abs}: in a Kubernetes wave, paths are relative to the root of the PVC ${opts.pvc} (mounted at ${mount})`, { path: inventoryPath, line: entry.line });
    }
    volumes.push({ name: "images", persistentVolumeClaim: { claimName: dnsName(opts.pvc, "--pvc") } });
    mounts.push({ name: "images", mountPath: mount });
    state = `${mount}/p2vfix-state`;
  } else {
    // Block mode: each image is its own raw-disk PVC (as Forklift/CDI create them), given by name in `image`.
    const images = entries.map((entry, i) => {
      if (entry.vm || entry.files) throw new UsageError("block-mode-files", "block mode has no filesystem for a VM definition or extra files: give `macs` instead of `vm`, and no `files`", { path: inventoryPath, line: entry.line });
      const devicePath = `/dev/p2vfix/disk-${i}`;
      volumes.push({ name: `disk-${i}`, persistentVolumeClaim: { claimName: dnsName(entry.image, "image (a PVC name in block mode)", entry.line, inventoryPath) } });
      devices.push({ name: `disk-${i}`, devicePath });
      const { line: _line, image: _image, ...rest } = entry;
      return { image: devicePath, ...rest };
    });
    // The pods read the devices: the inventory they get names them, in the same order.
    file = "inventory.yaml";
    text = `# generated by p2vfix batch --emit kubernetes --volume-mode block from ${basename(inventoryPath)}\n${stringify({ images })}`;
    base = "/";
  }
  if (opts.statePvc) {
    volumes.push({ name: "state", persistentVolumeClaim: { claimName: dnsName(opts.statePvc, "--state-pvc") } });
    mounts.push({ name: "state", mountPath: "/state" });
    state = "/state";
  } else if (mode === "block") {
    // A device keeps its undo files, journal and lock in the state folder, which must be a filesystem: without a PVC, the pod's own emptyDir (lost with the pod; emitKubernetes warns).
    volumes.push({ name: "state", emptyDir: {} });
    mounts.push({ name: "state", mountPath: "/state" });
    state = "/state";
  }
  const labels = { "app.kubernetes.io/name": "p2vfix", "app.kubernetes.io/component": "wave", "app.kubernetes.io/instance": name };
  const metadata = (objectName: string) => ({ name: objectName, ...(opts.namespace ? { namespace: dnsName(opts.namespace, "--namespace") } : {}), labels });
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: metadata(`${name}-inventory`), data: { [file]: text } };
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: metadata(name),
    spec: {
      completionMode: "Indexed",
      completions: entries.length,
      parallelism: Math.max(1, Math.min(opts.jobs, entries.length)),
      // One retry per image (a pod evicted, a node lost); the other images go on either way.
      backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: "FailIndex", onExitCodes: { containerName: "p2vfix", operator: "In", values: FINAL_EXIT_CODES } }] },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "p2vfix",
              image: opts.containerImage ?? "localhost/p2vfix:latest",
              command: ["p2vfix", "batch", `/inventory/${file}`, "--index", "$(JOB_COMPLETION_INDEX)", "--json", "--base", base, ...(state ? ["--state", state] : [])],
              env: [{ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }],
              volumeMounts: mounts,
              ...(devices.length ? { volumeDevices: devices } : {}),
              resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            },
          ],
          volumes,
        },
      },
    },
  };
  return { configMap, job };
}

/** Writes (or prints) the manifests as one multi-document YAML file, `NAME.yaml` in --out; never replaces a file. */
export function emitKubernetes(entries: readonly InventoryEntry[], inventoryPath: string, opts: KubernetesOptions, output: Output): void {
  const { configMap, job } = buildKubernetesManifests(entries, readFileSync(inventoryPath, "utf8"), inventoryPath, opts);
  const text = `${stringify(configMap)}---\n${stringify(job)}`;
  if (opts.volumeMode === "block" && !opts.statePvc) {
    output.err("p2vfix: warning: block mode without --state-pvc: each pod keeps its undo files, journal and record in an emptyDir, which is deleted with the pod; give --state-pvc NAME (a filesystem PVC) to keep them for p2vfix undo (docs/kubernetes.md)\n");
  }
  if (!opts.out) {
    output.out(text);
    return;
  }
  const path = join(opts.out, `${(job.metadata as { name: string }).name}.yaml`);
  writeFileSync(path, text, { flag: "wx", mode: 0o644 });
  output.out(`wrote ${path}: a ConfigMap with the inventory and an Indexed Job of ${entries.length} completions, ${(job.spec as { parallelism: number }).parallelism} at once.\nRun it: kubectl apply -f ${path}; follow it: kubectl get job ${(job.metadata as { name: string }).name} -w\n`);
}
