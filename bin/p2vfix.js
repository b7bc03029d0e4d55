#!/usr/bin/env node
// The command line's entry. CommonJS (bin/package.json), not an ES module: Node sets up its ES
// module loader only when something is imported, and a plain `cat` or `reg export` then runs
// without it (about 10 ms of a ~50 ms `cat`, bench/cat-pairs.mjs).
//
// The bundled CLI (scripts/build-cli.mjs) starts faster; dist/cli is the same code, unbundled,
// for a tree built with tsc alone.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { loadCommonJs } = require("./code-cache.js");

const dist = join(__dirname, "..", "dist");

/** A module of the command line: from the bundle, else as tsc left it in dist/. */
async function load(bundled, unbundled) {
  const path = join(dist, bundled);
  try {
    return await import(pathToFileURL(path).href);
  } catch (err) {
    if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes(path)) throw err;
    return import(pathToFileURL(join(dist, unbundled)).href);
  }
}

/** A fast path: its CommonJS bundle through its code cache (code-cache.js), else as tsc left it. */
function loadFast(name) {
  const bundle = join(dist, "cli-bundle", `${name}.cjs`);
  return existsSync(bundle) ? loadCommonJs(bundle) : import(pathToFileURL(join(dist, "cli", `${name}.js`)).href);
}

async function run(argv) {
  // A plain `cat` or `reg export` runs without the rest of the command line (src/cli/fast-cat.ts,
  // fast-export.ts); each says (undefined) when main() must run it instead.
  let code;
  if (argv[0] === "cat") code = (await loadFast("fast-cat")).fastCat(argv);
  else if (argv[0] === "reg" && argv[1] === "export") code = (await loadFast("fast-export")).fastExport(argv);
  return code ?? (await (await load("cli-bundle/main.js", "cli/main.js")).main(argv));
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
