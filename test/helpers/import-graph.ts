/**
 * The import graph of TypeScript sources as TypeScript's own scanner sees it (type-only imports
 * and re-exports included), for the structure tests.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

export const SRC = resolve(import.meta.dirname, "../../src");

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The src files `file` imports or re-exports (relative specifiers only; packages are leaves). */
export function localImports(file: string): string[] {
  const scanned = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return scanned.importedFiles.flatMap(({ fileName }) => {
    if (!fileName.startsWith(".")) return [];
    const base = resolve(dirname(file), fileName.replace(/\.js$/, ""));
    const target = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find(existsSync);
    return target ? [target] : [];
  });
}
