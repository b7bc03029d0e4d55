/**
 * Part of `npm run build`, after tsc: bundles the command line (dist/cli/main.js and the
 * command modules it imports on demand) into a few files in dist/cli-bundle, which
 * bin/p2vfix.js runs. Node loads ~130 separate modules for a small command such as `cat`;
 * resolving, reading and compiling them one by one was most of its start-up (bench/image-read).
 * Command modules stay separate chunks (code splitting), so a command still loads only its own
 * code. Packages (commander, zod, yaml ...) stay external: they load from node_modules as before.
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
import { fastPathTraining } from "./fast-path-training.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Rewrites `import.meta.url` in a bundled module to the URL of its own file in dist/. */
function ownImportMetaUrl(outDir) {
  return {
    name: "own-import-meta-url",
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        const text = await readFile(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const own = relative(outDir, args.path).split("\\").join("/");
        return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: "js" };
      });
    },
  };
}

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

/** The environment without NODE_OPTIONS: flags there would make a cache V8 rejects without them. */
function withoutNodeOptions() {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

export async function buildCli(outDir = join(root, "dist/cli-bundle")) {
  // Chunk names carry content hashes: clear the chunks of an earlier build.
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: { main: join(root, "dist/cli/main.js") },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: ["zod", "yaml", "@xmldom/xmldom", "cli-progress", "preact", "preact/*"],
    sourcemap: false,
    legalComments: "none",
    // commander is CommonJS: its require("node:events") etc. need a real require in ESM.
    banner: { js: 'import { createRequire as __p2vfixRequire } from "node:module"; const require = __p2vfixRequire(import.meta.url);' },
    logLevel: "warning",
    plugins: [ownImportMetaUrl(outDir)],
  });
  // The fast paths (src/cli/fast-cat.ts, fast-export.ts): each one CommonJS file with what it
  // imports (the image stack; the regf reader) and no commander, plus its V8 code cache for
  // the Node that built it (bin/code-cache.js); bin/p2vfix.js tries them before main.js.
  const fastPaths = { "fast-cat": join(root, "dist/cli/fast-cat.js"), "fast-export": join(root, "dist/cli/fast-export.js") };
  await build({
    entryPoints: fastPaths,
    outdir: outDir,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    // import.meta has no meaning in CommonJS: a fast path that needs it must not build.
    logOverride: { "empty-import-meta": "error" },
  });
  // A child process: the cache must be made under node's default flags, as bin/p2vfix.js runs.
  // Trained on the test images where there are some (scripts/fast-path-training.mjs).
  const trained = fastPathTraining(root);
  try {
    for (const name of Object.keys(fastPaths)) {
      const file = join(outDir, `${name}.cjs`);
      asciiOnly(file);
      const args = trained ? [file, trained.training[name]] : [file];
      const call = `require(${JSON.stringify(join(root, "bin/code-cache.js"))}).writeCodeCache(${args.map((arg) => JSON.stringify(arg)).join(", ")});`;
      const made = spawnSync(process.execPath, ["-e", call], { stdio: "inherit", env: withoutNodeOptions() });
      if (made.status !== 0) throw new Error(`making the code cache of ${file} failed`);
    }
  } finally {
    trained?.remove();
  }
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
