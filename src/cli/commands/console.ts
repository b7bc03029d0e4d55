/**
 * `p2vfix console TARGET [--port N] [--read-only] [--open]`: the web console (DaRT's Computer
 * Management and Registry Editor for the offline image, plus findings, plan diff, apply, undo
 * and the first-boot report) on 127.0.0.1. The first line on stdout is the URL with the access
 * token; the command runs until Ctrl+C.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { TARGET_HYPERVISORS, type FixupOptions } from "../../fixups/options.js";
import { startConsole } from "../../web/server.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

interface ConsoleCliOptions {
  port: string;
  readOnly?: boolean;
  open?: boolean;
  target?: string;
  mac?: string;
  profile?: string;
  partition?: number;
  backupDir?: string;
}

function parsePort(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new UsageError("bad-port", `--port needs a port number from 0 to 65535 (0: a free one), not ${JSON.stringify(value)}`);
  return parsed;
}

/** The desktop's browser, detached; a failure only means the user opens the URL by hand. */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : process.platform === "darwin" ? ["open", [url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
  } catch {
    /* printed URL is enough */
  }
}

export function registerConsole(program: Command, output: Output): void {
  program
    .command("console")
    .description("Web console on 127.0.0.1: findings, services and drivers, registry editor, network, plan diff with apply and undo, first-boot report")
    .argument("<target>", "disk image, folder with SYSTEM/SOFTWARE hives, mounted Windows root, or SYSTEM hive file")
    .option("--port <n>", "port on 127.0.0.1 (0: a free one)", "0")
    .option("--read-only", "show everything, change nothing (the server refuses every write)")
    .option("--open", "open the console in the desktop's browser")
    .option("--target <hypervisor>", `target hypervisor for the findings and the plan (${TARGET_HYPERVISORS.join(", ")})`)
    .option("--mac <mac>", "MAC of the new NIC, as for p2vfix plan")
    .option("--profile <name>", "plan profile, as for p2vfix plan", "p2v-default")
    .option("--partition <n>", "disk image with several Windows installations: the partition", parsePartition)
    .option("--backup-dir <dir>", "images: folder for the undo file (default: beside the image); a block device needs it, and keeps its journal and lock there too")
    .action(async (target: string, opts: ConsoleCliOptions) => {
      const port = parsePort(opts.port);
      if (opts.target !== undefined && !(TARGET_HYPERVISORS as readonly string[]).includes(opts.target)) {
        throw new UsageError("bad-target", `--target must be one of ${TARGET_HYPERVISORS.join(", ")}, not ${JSON.stringify(opts.target)}`);
      }
      let started;
      try {
        started = await startConsole({
          target,
          port,
          readOnly: Boolean(opts.readOnly),
          ...(opts.target ? { hypervisor: opts.target as FixupOptions["target"] } : {}),
          ...(opts.mac ? { mac: opts.mac } : {}),
          ...(opts.profile ? { profile: opts.profile } : {}),
          ...(opts.partition === undefined ? {} : { partition: opts.partition }),
          ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
          // Tests and front-end development serve a fresh build from elsewhere.
          ...(process.env.P2VFIX_WEB_ASSETS ? { assetsDir: process.env.P2VFIX_WEB_ASSETS } : {}),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EACCES") throw new UsageError("port-unavailable", `cannot listen on 127.0.0.1:${port} (${code}): choose another --port, or 0 for a free one`);
        throw err;
      }
      output.out(`${started.url}\n`);
      output.out(`p2vfix console for ${target}${opts.readOnly ? " (read-only)" : ""}: open the URL above in a browser on this machine; Ctrl+C stops it.\n`);
      if (opts.open) openBrowser(started.url);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void started.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
