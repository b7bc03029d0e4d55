/**
 * Builds the web console's front end (web/ui: preact + JSX) into dist/web: one bundled,
 * minified app.js, app.css and index.html. No CDN, no fonts from elsewhere: the package ships
 * these files, so `npx p2vfix console` needs no build and no network.
 * `node scripts/build-web.mjs [OUTDIR]`; tests call buildWeb(tmpdir).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ui = join(root, "web/ui");

export async function buildWeb(outDir = join(root, "dist/web")) {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(ui, "main.tsx")],
    outfile: join(outDir, "app.js"),
    bundle: true,
    minify: true,
    format: "esm",
    target: ["chrome100", "firefox100", "safari15"],
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    logLevel: "warning",
  });
  copyFileSync(join(ui, "index.html"), join(outDir, "index.html"));
  copyFileSync(join(ui, "app.css"), join(outDir, "app.css"));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
