/**
 * Part of `npm run build`, after tsc: bundles the command line (dist/cli/main.js and every
 * module it imports, at once or on demand) into one CommonJS file in dist/cli-bundle, plus one
 * for each fast path, and makes each one's V8 code cache (bin/code-cache.js), which
 * bin/p2vfix.js loads them through. Node loads ~130 separate modules for a small command;
 * resolving, reading and compiling them one by one was most of its start-up (bench/image-read),
 * and Node 20 keeps no code cache of ES modules: `cp` of a tree took ~0.07 s less of ~0.5 s as
 * one CommonJS file with a trained cache than as ES module chunks. A module imported on demand
 * still runs its top level only when first imported (esbuild wraps it in an initialiser).
 *
 * A module that locates files beside itself (`import.meta.url`: the compiled knowledge, the web
 * console's assets) keeps doing so from its own place in dist/, not from the bundle's.
 *
 * `node scripts/build-cli.mjs [OUTDIR]`.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { createRequire } from "node:module";
import { fastPathTraining } from "./fast-path-training.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const codeCacheModule = createRequire(import.meta.url)(join(root, "bin/code-cache.js"));

/**
 * Rewrites `file` with every non-ASCII character as a \uXXXX escape (a bundle loads faster as
 * ASCII: bin/code-cache.js). esbuild escapes them in code already; what it leaves is in comments,
 * where the escape is only text. In a string, template or regular expression it would mean the
 * same character.
 */
function asciiOnly(file) {
  const text = readFileSync(file, "utf8");
  const escaped = text.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (escaped !== text) writeFileSync(file, escaped);
}

/**
 * Rewrites `import.meta.url` in a bundled module to the URL of its own file in dist/, found from
 * the bundle's __dirname (import.meta has no meaning in CommonJS).
 */
function ownImportMetaUrl(outDir) {
  return {
    name: "own-import-meta-url",
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        const text = await readFile(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const own = relative(outDir, args.path).split("\\").join("/");
        return { contents: text.replaceAll("import.meta.url", `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(own)})).href`), loader: "js" };
      });
    },
  };
}

/** The environment without NODE_OPTIONS: flags there would make a cache V8 rejects without them. */
function withoutNodeOptions() {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

export async function buildCli(outDir = join(root, "dist/cli-bundle")) {
  rmSync(outDir, { recursive: true, force: true });
  // main: the whole command line. fast-cat, fast-export (src/cli/fast-cat.ts, fast-export.ts):
  // a plain `cat` or `reg export` with what it imports (the image stack; the regf reader) and no
  // commander; bin/p2vfix.js tries them before main.
  const entries = { main: "dist/cli/main.js", "fast-cat": "dist/cli/fast-cat.js", "fast-export": "dist/cli/fast-export.js" };
  // proc-locks-ahead (src/apply/proc-locks-ahead.ts): started by bin/p2vfix.js before it loads the
  // command line; a few lines, loaded by a plain require, with no code cache.
  const uncached = { "proc-locks-ahead": "dist/apply/proc-locks-ahead.js" };
  await build({
    entryPoints: Object.fromEntries(Object.entries({ ...entries, ...uncached }).map(([name, path]) => [name, join(root, path)])),
    outdir: outDir,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // Loaded on first use, from node_modules (util/require-package.ts, util/yaml-validation.ts);
    // commander, needed by every command, is bundled and so in the code cache.
    external: ["zod", "yaml", "@xmldom/xmldom", "cli-progress", "preact", "preact/*"],
    // import() of a bundled module becomes a call of its initialiser: a vm.Script has no import().
    supported: { "dynamic-import": false },
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    // import.meta.url is rewritten (ownImportMetaUrl); anything else of import.meta would be empty.
    logOverride: { "empty-import-meta": "error" },
    plugins: [ownImportMetaUrl(outDir)],
  });
  // A child process per cache: it must be made under node's default flags, as bin/p2vfix.js
  // runs. Trained on the test images where there are some (scripts/fast-path-training.mjs); the
  // command line's bundle gets one cache per variant (bin/code-cache.js MAIN_CACHE_VARIANTS).
  const trained = fastPathTraining(root);
  try {
    for (const variant of ["", ...Object.values(codeCacheModule.MAIN_CACHE_VARIANTS)]) {
      if (trained && !trained.training.main[variant]) throw new Error(`no training for the ${variant || "default"} cache of main.cjs (scripts/fast-path-training.mjs)`);
    }
    for (const name of Object.keys({ ...entries, ...uncached })) asciiOnly(join(outDir, `${name}.cjs`));
    const caches = Object.keys(entries).flatMap((name) => (trained ? Object.entries(trained.training[name]).map(([variant, training]) => ({ name, variant, training })) : [{ name, variant: "" }]));
    for (const { name, variant, training } of caches) {
      const file = join(outDir, `${name}.cjs`);
      const args = training ? [file, training, variant] : [file];
      const call = `require(${JSON.stringify(join(root, "bin/code-cache.js"))}).writeCodeCache(${args.map((arg) => JSON.stringify(arg)).join(", ")})`;
      // Standard output to the null device: a training run's output (a hive's export) is not the build's.
      const made = spawnSync(process.execPath, ["-e", `${call}.catch((err) => { console.error(err); process.exitCode = 1; })`], { stdio: ["ignore", "ignore", "inherit"], env: withoutNodeOptions() });
      if (made.status !== 0) throw new Error(`making the ${variant || "default"} code cache of ${file} failed`);
    }
  } finally {
    trained?.remove();
  }
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
