/**
 * No one-letter names in src (issue 20, style-anchors.md "Names and signatures"): a reader of
 * `const r = registry` or `(k) => k.name` has to hold in mind what `r` and `k` are; the name
 * should say it. The scan reads every declaration TypeScript's parser sees — const/let/var,
 * parameters (arrow callbacks included), destructuring, catch — and fails on a one-letter one
 * that is not in the short list of conventions below.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { SRC, sourceFiles } from "../helpers/import-graph.js";

/**
 * Renamed after the parallel branches merge: other branches were editing these folders while
 * the rest of src was renamed, so renaming them here would only have made merge conflicts.
 */
const RENAMED_AFTER_MERGE = ["fs/ntfs/", "io/", "image/", "vdisk/", "regf/export/", "regf/import/", "cli/commands/cat", "batch/"];

/** Methods whose callback gets (element, index, ...): an `i`/`j` there is a loop index. */
const INDEXED_CALLBACKS = new Set(["map", "filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every", "flatMap", "forEach"]);

interface OneLetterName {
  /** Path relative to src, line (1-based), the name. */
  where: string;
  name: string;
}

/**
 * The conventions a one-letter name may keep, each as common as a word:
 * - `_`: a value deliberately ignored;
 * - the counter of a `for (let i = 0; ...)` loop;
 * - `i`/`j` as the index parameter of an array callback (`.map((entry, i) => ...)`), the same counter;
 * - `a`/`b` of a `.sort` comparator, which the callee names that way.
 */
function isConvention(name: ts.Identifier, declaration: ts.Node): boolean {
  if (name.text === "_") return true;
  if (ts.isVariableDeclaration(declaration) && ts.isVariableDeclarationList(declaration.parent) && ts.isForStatement(declaration.parent.parent)) return true;
  if (!ts.isParameter(declaration)) return false;
  const callback = declaration.parent;
  if (!(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) || !ts.isCallExpression(callback.parent)) return false;
  const callee = callback.parent.expression;
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  const position = callback.parameters.indexOf(declaration);
  if ((method === "sort" || method === "toSorted") && (name.text === "a" || name.text === "b")) return true;
  const indexPosition = method === "reduce" || method === "reduceRight" ? 2 : 1;
  return (INDEXED_CALLBACKS.has(method) || indexPosition === 2) && position === indexPosition && (name.text === "i" || name.text === "j");
}

/** Every one-letter declaration in `file` that no convention covers. */
function oneLetterNames(file: string, text = readFileSync(file, "utf8")): OneLetterName[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: OneLetterName[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name)) {
      const name = node.name;
      if (name.text.length === 1 && !isConvention(name, node)) {
        const line = source.getLineAndCharacterOfPosition(name.getStart(source)).line + 1;
        found.push({ where: `${relative(SRC, file)}:${line}`, name: name.text });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const pending = (file: string) => RENAMED_AFTER_MERGE.some((prefix) => relative(SRC, file).startsWith(prefix));

describe("names", () => {
  it("no one-letter declarations in src (beyond loop counters, `_` and sort comparators)", () => {
    const named = sourceFiles(SRC)
      .filter((file) => !pending(file))
      .flatMap((file) => oneLetterNames(file))
      .map(({ where, name }) => `${where} ${name}`);
    expect(named).toEqual([]);
  });

  it("the scan sees each kind of declaration and lets the conventions pass", () => {
    const sample = [
      "const r = registry;",
      "let v = 1, ok = 2;",
      "const { a: k } = pair;",
      "const [x] = list;",
      "function f(s: string) { return s; }",
      "names.map((n) => n.length);",
      "try { run(); } catch (e) { log(e); }",
      "for (const c of changes) use(c);",
      // Conventions:
      "for (let i = 0; i < 3; i++) use(i);",
      "rows.map((row, i) => row + i);",
      "rows.sort((a, b) => a - b);",
      "const [_, value] = pair;",
    ].join("\n");
    const names = oneLetterNames(`${SRC}/sample.ts`, sample).map(({ where, name }) => `${where.replace("sample.ts:", "")} ${name}`);
    expect(names).toEqual(["1 r", "2 v", "3 k", "4 x", "5 s", "6 n", "7 e", "8 c"]);
  });
});
