#!/usr/bin/env node
// The bundled CLI (scripts/build-cli.mjs) starts faster; dist/cli is the same code, unbundled,
// for a tree built with tsc alone.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadCommonJs } from "./code-cache.js";

/** A module of the command line: from the bundle, else as tsc left it in dist/. */
async function load(bundled, unbundled) {
  const url = new URL(bundled, import.meta.url);
  try {
    return await import(url.href);
  } catch (err) {
    if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes(fileURLToPath(url))) throw err;
    return import(unbundled);
  }
}

/** A fast path: its CommonJS bundle through its code cache (code-cache.js), else as tsc left it. */
async function loadFast(name) {
  const bundle = fileURLToPath(new URL(`../dist/cli-bundle/${name}.cjs`, import.meta.url));
  return existsSync(bundle) ? loadCommonJs(bundle) : import(`../dist/cli/${name}.js`);
}

const argv = process.argv.slice(2);
// A plain `cat` or `reg export` runs without the rest of the command line (src/cli/fast-cat.ts,
// fast-export.ts); each says (undefined) when main() must run it instead.
let code;
if (argv[0] === "cat") code = (await loadFast("fast-cat")).fastCat(argv);
else if (argv[0] === "reg" && argv[1] === "export") code = (await loadFast("fast-export")).fastExport(argv);
process.exitCode = code ?? (await (await load("../dist/cli-bundle/main.js", "../dist/cli/main.js")).main(argv));
