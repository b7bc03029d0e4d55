/**
 * One-letter declarations in a source file, as TypeScript's parser sees them (const/let/var,
 * parameters, destructuring, catch, function declarations), less the conventions below. Used by
 * test/structure/one-letter-names.test.ts and scripts/rename-one-letter.ts.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";
import { SRC } from "./import-graph.js";

/** Methods whose callback gets (element, index, ...): an `i`/`j` there is a loop index. */
const INDEXED_CALLBACKS = new Set(["map", "filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every", "flatMap", "forEach"]);

export interface OneLetterName {
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
export function isConvention(name: ts.Identifier, declaration: ts.Node): boolean {
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
export function oneLetterNames(file: string, text = readFileSync(file, "utf8")): OneLetterName[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: OneLetterName[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node) || ts.isFunctionDeclaration(node)) && node.name && ts.isIdentifier(node.name)) {
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

