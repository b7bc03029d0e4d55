/**
 * `batch --emit kubernetes`: the ConfigMap and the Indexed Job validate against the Kubernetes
 * API schemas (kubernetes-models), completions equal the inventory's size, parallelism is --jobs,
 * each pod runs `batch --index $(JOB_COMPLETION_INDEX)` on the inventory it is given, with the
 * images PVC mounted (filesystem mode) or each image's PVC attached as a raw device (block mode).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job } from "kubernetes-models/batch/v1";
import { ConfigMap } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { buildKubernetesManifests } from "../../src/batch/kubernetes.js";
import { parseInventoryYaml } from "../../src/batch/inventory.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { ExitCode } from "../../src/errors.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

const inventoryText = "defaults:\n  target: kvm\nimages:\n  - image: wave1/srv01.qcow2\n    macs: ['52:54:00:12:34:56']\n  - image: wave1/srv02.vhdx\n  - image: wave1/srv03.raw\n    vm: wave1/srv03.xml\n";

interface JobShape {
  spec: {
    completions: number;
    parallelism: number;
    completionMode: string;
    template: { spec: { containers: { command: string[]; volumeMounts: { name: string; mountPath: string }[]; volumeDevices?: { name: string; devicePath: string }[] }[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } };
  };
}

describe("batch --emit kubernetes", () => {
  it("filesystem mode: a valid ConfigMap and Indexed Job; completions = images, parallelism = --jobs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-k8s-"));
    const inv = join(dir, "wave1.yaml");
    writeFileSync(inv, inventoryText);
    const out = join(dir, "k8s");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(out);
    const r = await run("batch", inv, "--emit", "kubernetes", "--pvc", "converted-disks", "--jobs", "2", "--out", out, "--namespace", "migration");
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(["p2vfix-wave.yaml"]);
    const docs = parseAllDocuments(readFileSync(join(out, "p2vfix-wave.yaml"), "utf8")).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs.map((d) => d.kind)).toEqual(["ConfigMap", "Job"]);
    const configMap = new ConfigMap(docs[0] as never);
    const job = new Job(docs[1] as never);
    configMap.validate();
    job.validate();
    expect(configMap.data).toEqual({ "inventory.yaml": inventoryText });
    const spec = (docs[1] as unknown as JobShape).spec;
    expect(spec).toMatchObject({ completionMode: "Indexed", completions: 3, parallelism: 2 });
    const container = spec.template.spec.containers[0]!;
    expect(container.command).toEqual(["p2vfix", "batch", "/inventory/inventory.yaml", "--index", "$(JOB_COMPLETION_INDEX)", "--json", "--base", "/images", "--state", "/images/p2vfix-state"]);
    expect(container.volumeMounts).toEqual([
      { name: "inventory", mountPath: "/inventory", readOnly: true },
      { name: "images", mountPath: "/images" },
    ]);
    expect(spec.template.spec.volumes.find((v) => v.name === "images")?.persistentVolumeClaim?.claimName).toBe("converted-disks");
    // The same inventory the pods get parses to as many images as completions.
    expect(parseInventoryYaml(configMap.data!["inventory.yaml"]!, "cm")).toHaveLength(spec.completions);
    // Never replaces a file.
    const again = await run("batch", inv, "--emit", "kubernetes", "--pvc", "converted-disks", "--out", out);
    expect(again.code).toBe(ExitCode.io);
    rmSync(dir, { recursive: true, force: true });
  });

  it("block mode: each image's PVC attached as a raw device, the pods' inventory naming the devices", () => {
    const entries = parseInventoryYaml("defaults:\n  target: hyperv\nimages:\n  - image: srv01-disk0\n    macs: ['00:15:5d:01:02:03']\n  - image: srv02-disk0\n", "inv.yaml");
    const { configMap, job } = buildKubernetesManifests(entries, "", "inv.yaml", { jobs: 8, volumeMode: "block", statePvc: "wave-state" });
    new ConfigMap(configMap as never).validate();
    new Job(job as never).validate();
    const spec = (job as unknown as JobShape).spec;
    expect(spec).toMatchObject({ completions: 2, parallelism: 2 });
    const container = spec.template.spec.containers[0]!;
    expect(container.volumeDevices).toEqual([
      { name: "disk-0", devicePath: "/dev/p2vfix/disk-0" },
      { name: "disk-1", devicePath: "/dev/p2vfix/disk-1" },
    ]);
    expect(spec.template.spec.volumes.filter((v) => v.persistentVolumeClaim).map((v) => v.persistentVolumeClaim!.claimName)).toEqual(["srv01-disk0", "srv02-disk0", "wave-state"]);
    expect(container.command).toContain("/state");
    const podInventory = parseInventoryYaml((configMap as { data: Record<string, string> }).data["inventory.yaml"]!, "cm");
    expect(podInventory.map((e) => [e.image, e.target, e.macs])).toEqual([
      ["/dev/p2vfix/disk-0", "hyperv", ["00:15:5d:01:02:03"]],
      ["/dev/p2vfix/disk-1", "hyperv", undefined],
    ]);
  });

  it("block mode without --state-pvc: the state (each device's undo files, journal, lock) on an emptyDir, and a warning that it goes with the pod", async () => {
    const entries = parseInventoryYaml("images:\n  - image: srv01-disk0\n", "inv.yaml");
    const { job } = buildKubernetesManifests(entries, "", "inv.yaml", { jobs: 1, volumeMode: "block" });
    new Job(job as never).validate();
    const spec = (job as unknown as JobShape).spec.template.spec as JobShape["spec"]["template"]["spec"] & { volumes: { name: string; emptyDir?: object }[] };
    const container = spec.containers[0]!;
    expect(container.command.slice(-2)).toEqual(["--state", "/state"]);
    expect(container.volumeMounts).toContainEqual({ name: "state", mountPath: "/state" });
    expect(spec.volumes.find((v) => v.name === "state")).toEqual({ name: "state", emptyDir: {} });
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-k8s-"));
    const inv = join(dir, "wave.yaml");
    writeFileSync(inv, "images:\n  - image: srv01-disk0\n");
    const r = await run("batch", inv, "--emit", "kubernetes", "--volume-mode", "block");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("emptyDir, which is deleted with the pod");
    const withPvc = await run("batch", inv, "--emit", "kubernetes", "--volume-mode", "block", "--state-pvc", "wave-state");
    expect(withPvc.stderr).toBe("");
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses what a pod could not use: host paths, PVC names that are not names, a VM file in block mode", () => {
    const abs = parseInventoryYaml("images:\n  - image: a.raw\n  - image: /data/b.raw\n", "inv.yaml");
    expect(() => buildKubernetesManifests(abs, "", "inv.yaml", { jobs: 1, pvc: "disks" })).toThrow(expect.objectContaining({ code: "absolute-path", line: 3 }));
    const badName = parseInventoryYaml("images:\n  - image: Srv01_Disk\n", "inv.yaml");
    expect(() => buildKubernetesManifests(badName, "", "inv.yaml", { jobs: 1, volumeMode: "block" })).toThrow(expect.objectContaining({ code: "bad-kubernetes-name", line: 2 }));
    const vm = parseInventoryYaml("images:\n  - image: srv01\n    vm: srv01.xml\n", "inv.yaml");
    expect(() => buildKubernetesManifests(vm, "", "inv.yaml", { jobs: 1, volumeMode: "block" })).toThrow(expect.objectContaining({ code: "block-mode-files" }));
    expect(() => buildKubernetesManifests(abs.slice(0, 1), "", "inv.yaml", { jobs: 1 })).toThrow(expect.objectContaining({ code: "no-pvc" }));
  });
});
