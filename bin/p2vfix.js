#!/usr/bin/env node
// The bundled CLI (scripts/build-cli.mjs) starts faster; dist/cli is the same code, unbundled,
// for a tree built with tsc alone.
import { fileURLToPath } from "node:url";

const url = new URL("../dist/cli-bundle/main.js", import.meta.url);
let main;
try {
  ({ main } = await import(url.href));
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes(fileURLToPath(url))) throw err;
  ({ main } = await import("../dist/cli/main.js"));
}

process.exitCode = await main(process.argv.slice(2));
