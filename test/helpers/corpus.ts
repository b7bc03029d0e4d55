/**
 * Access to the shared corpus of real hives and images (../shared/corpus, or P2VFIX_CORPUS).
 * Files are read in place; compressed ones (.xz, .gz) are decompressed once into a cache in
 * the OS temp folder. Their bytes are never copied into the project.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export const corpusRoot: string = process.env.P2VFIX_CORPUS ?? resolve(projectRoot, "../shared/corpus");

/** Reason shown when corpus-based tests are skipped. */
export const noCorpusReason = `corpus not found at ${corpusRoot} (set P2VFIX_CORPUS)`;

/**
 * True when the corpus is there. Missing, the corpus tests skip with noCorpusReason, except
 * under P2VFIX_INTEROP=required (CI, .ci/run): there a missing corpus fails the run, as a
 * missing interop tool does, so log recovery and the corpus tests always run in CI.
 */
export function hasCorpus(): boolean {
  if (existsSync(join(corpusRoot, "hives"))) return true;
  if (process.env.P2VFIX_INTEROP === "required") throw new Error(`${noCorpusReason}, and P2VFIX_INTEROP=required: the corpus tests must run`);
  return false;
}

export function corpusPath(rel: string): string {
  return join(corpusRoot, rel);
}

const cacheDir = join(tmpdir(), "p2vfix-corpus-cache");

async function xzDecompress(bytes: Uint8Array): Promise<Uint8Array> {
  const { XzReadableStream } = await import("xz-decompress");
  const stream = new XzReadableStream(new Blob([bytes]).stream() as never);
  return new Uint8Array(await new Response(stream as never).arrayBuffer());
}

/**
 * Path of the corpus file decompressed: `rel` names the stored file (with .xz/.gz) or its
 * decompressed name. Decompressed copies live in the temp cache under the same relative path
 * without the compression suffix, so logs sit beside their primary as in the corpus.
 */
export async function corpusFile(rel: string): Promise<string> {
  const direct = corpusPath(rel);
  if (existsSync(direct) && !/\.(xz|gz)$/.test(rel)) return direct;
  const stored = existsSync(direct) ? direct : [direct + ".xz", direct + ".gz"].find((p) => existsSync(p));
  if (!stored) throw new Error(`corpus file not found: ${rel}`);
  const plainRel = rel.replace(/\.(xz|gz)$/, "");
  const out = join(cacheDir, plainRel);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(stored).mtimeMs) return out;
  const raw = readFileSync(stored);
  const data = stored.endsWith(".xz") ? await xzDecompress(raw) : gunzipSync(raw);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out + ".tmp" + process.pid, data);
  renameSync(out + ".tmp" + process.pid, out);
  return out;
}

/** Bytes of a corpus file, decompressed. */
export async function corpusBytes(rel: string): Promise<Uint8Array> {
  return new Uint8Array(readFileSync(await corpusFile(rel)));
}

/**
 * Materialises a corpus folder in the cache (compressed files decompressed, the others
 * copied) and returns its path, so a primary hive and its logs are found side by side.
 */
export async function corpusFolder(relDir: string): Promise<string> {
  const out = join(cacheDir, relDir);
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(corpusPath(relDir))) {
    const rel = join(relDir, name);
    if (!statSync(corpusPath(rel)).isFile()) continue;
    if (/\.(xz|gz)$/.test(name)) await corpusFile(rel);
    else if (!existsSync(join(out, name))) copyFileSync(corpusPath(rel), join(out, name));
  }
  return out;
}
