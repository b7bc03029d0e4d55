#!/usr/bin/env node
// The command line's entry. CommonJS (bin/package.json), not an ES module, and so are the bundles
// it runs (scripts/build-cli.mjs): Node sets up its ES module loader only when something is
// imported, and no command then sets it up (about 10 ms of a ~50 ms `cat`, bench/cat-pairs.mjs).
//
// dist/cli is the same code, unbundled ES modules, for a tree built with tsc alone.
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

async function run(argv) {
  // A plain `cat` or `reg export` runs without the rest of the command line (src/cli/fast-cat.ts,
  // fast-export.ts); each says (undefined) when main() must run it instead.
  let code;
  if (argv[0] === "cat") code = (await load("fast-cat")).fastCat(argv);
  else if (argv[0] === "reg" && argv[1] === "export") code = (await load("fast-export")).fastExport(argv);
  return code ?? (await (await load("main", mainCacheVariant(argv[0]))).main(argv));
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
