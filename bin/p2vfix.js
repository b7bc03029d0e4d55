#!/usr/bin/env -S node --v8-pool-size=0
// The command line's entry. CommonJS (bin/package.json), not an ES module, and so are the bundles
// it runs (scripts/build-cli.mjs): Node sets up its ES module loader only when something is
// imported, and no command then sets it up (about 10 ms of a ~50 ms `cat`, bench/cat-pairs.mjs).
//
// dist/cli is the same code, unbundled ES modules, for a tree built with tsc alone.
//
// The first line runs Node with --v8-pool-size=0: V8's background threads (optimising compiler,
// garbage collector helpers) sized to the machine's parallelism instead of Node's fixed four. On
// two cores the four took the CPU from the command's own thread: a copy of 1,500 files + 40 MiB
// into an image went 415 → 343 ms, of 1,500 small files 230 → 183 ms (11 alternated runs each,
// docs/write-path-profile.md "V8's thread pool"). `env -S` splits the line (GNU coreutils, BSD
// and macOS env); npm's shim on Windows reads the same line. `node bin/p2vfix.js` runs without it.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { loadCommonJs, mainCacheVariant } = require("./code-cache.js");

const dist = join(__dirname, "..", "dist");

/**
 * A module of the command line: its CommonJS bundle through its code cache (code-cache.js; the
 * cache `variant`, when given), else as tsc left it in dist/cli.
 */
function load(name, variant) {
  const bundle = join(dist, "cli-bundle", `${name}.cjs`);
  return existsSync(bundle) ? loadCommonJs(bundle, variant) : import(pathToFileURL(join(dist, "cli", `${name}.js`)).href);
}

/**
 * A command that checks whether its image is in use starts reading /proc/locks now, before the
 * command line loads: the read waits in the kernel meanwhile (src/apply/proc-locks-ahead.ts). The
 * command line finds the read started, wherever it was started from.
 */
function readProcLocksAhead(argv) {
  const bundle = join(dist, "cli-bundle", "proc-locks-ahead.cjs");
  if (existsSync(bundle)) require(bundle).readProcLocksAheadFor(argv[0]);
}

async function run(argv) {
  // A plain `cat` or `reg export` runs without the rest of the command line (src/cli/fast-cat.ts,
  // fast-export.ts); each says (undefined) when main() must run it instead.
  let code;
  if (argv[0] === "cat") code = (await load("fast-cat")).fastCat(argv);
  else if (argv[0] === "reg" && argv[1] === "export") code = (await load("fast-export")).fastExport(argv);
  if (code !== undefined) return { code };
  readProcLocksAhead(argv);
  return { code: await (await load("main", mainCacheVariant(argv[0]))).main(argv), main: true };
}

run(process.argv.slice(2)).then(({ code, main }) => {
  process.exitCode = code;
  // After the command line's main(), on Linux, exit at once instead of letting Node tear the heap
  // down: a copy into an image ended 7.2-8.7 ms after main() returned, 3.6-5.5 ms this way (12
  // runs each, the parent's clock against the child's). Everything main() wrote is already with the OS:
  // Linux writes standard output and error synchronously, to files, terminals and pipes alike
  // (elsewhere a pipe or terminal can be asynchronous, so those keep the ordinary exit), and every
  // command awaits its own work. The fast paths keep it too: their small heaps gain nothing.
  if (main && process.platform === "linux") process.exit();
});
