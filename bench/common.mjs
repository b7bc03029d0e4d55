// What every bench section shares: where the built library is, running peer tools, medians.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The built library (`npm run build`); P2VFIX_DIST points elsewhere, relative to the project root. */
export const dist = resolve(root, process.env.P2VFIX_DIST ?? "dist");
/** The shared test corpus (real hives and images); P2VFIX_CORPUS points elsewhere. */
export const corpus = resolve(process.env.P2VFIX_CORPUS ?? join(root, "../shared/corpus"));
export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** Imports a module of the built library, e.g. lib("apply/index.js"). */
export const lib = (path) => import(pathToFileURL(join(dist, path)).href);

/** Runs a command and returns its stdout; throws with its stderr when it fails. */
export function exec(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** True when a peer tool is installed. */
export const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** `text` quoted for sh, to put a path in a command line. */
export const q = (text) => `'${text.replace(/'/g, "'\\''")}'`;

/**
 * The p2vfix command as users run it: bin/p2vfix.js executed through its first line, as the
 * installed `p2vfix` (npm's link to it) is, with the Node options that line gives
 * (`--v8-pool-size=0`, see bin/p2vfix.js). `p2vfix` is the path, `p2vfixShell` the same quoted for sh.
 */
export const p2vfix = join(root, "bin/p2vfix.js");
export const p2vfixShell = q(p2vfix);

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
