/**
 * Renames the one-letter variables and parameters test/structure/one-letter-names.test.ts finds
 * (a one-letter function declaration is left to a person), through
 * TypeScript's own rename: every reference follows, and a shorthand property `{ c }` becomes
 * `{ c: change }`. A name is proposed from context: the singular of the array a callback or
 * for-of walks (`changes.map((c) => ...)` → `change`), `err` in a catch, `left`/`right` for a
 * function of (a, b), the property a destructuring takes, a few initializers (`readSync(...)` →
 * `bytesRead`, `x.toLowerCase()` → `lowerX`, `re.exec(...)` → `match`), the declared type
 * (`(v: Volume)` → `volume`). A name is refused when it would resolve to another symbol at any
 * reference, or is declared or used anywhere in the scope; refused and unguessed names are
 * listed for a person, who gives them in an overrides file.
 *
 *   npx tsx scripts/rename-one-letter.ts vdisk/ io/                # proposals, and what is left
 *   npx tsx scripts/rename-one-letter.ts vdisk/ --apply            # write them
 *   npx tsx scripts/rename-one-letter.ts vdisk/ --apply --overrides=names.json
 *       names.json: { "vdisk/vhd/image.ts:94:m": "mapping", ... }  (file:line:old → new)
 *   npx tsx scripts/rename-one-letter.ts regf/edit/ --name=cellAllocator --to=cells --apply
 *       a second pass: one name to another, with the same checks
 *
 * Then `npx tsc -p tsconfig.json --noEmit`, the folder's tests, and a read of the diff: the
 * names are guesses a person confirms.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { isConvention } from "../test/helpers/one-letter-names.js";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");
const args = process.argv.slice(2);
const write = args.includes("--apply");
const overridesFile = args.find((arg) => arg.startsWith("--overrides="))?.slice("--overrides=".length);
const overrides: Record<string, string> = overridesFile ? JSON.parse(readFileSync(overridesFile, "utf8")) : {};
const folders = args.filter((arg) => !arg.startsWith("--"));
/** --name=cellAllocator --to=cells: rename every declaration with that name instead (a second pass over a guess). */
const onlyName = args.find((arg) => arg.startsWith("--name="))?.slice("--name=".length);
const toName = args.find((arg) => arg.startsWith("--to="))?.slice("--to=".length);

const ARRAY_METHODS = new Set(["map", "filter", "find", "findLast", "findIndex", "findLastIndex", "some", "every", "flatMap", "forEach", "reduce", "reduceRight"]);
/** Names for values of these types (the type's own name would say less). */
const TYPE_NAMES: Record<string, string> = { Uint8Array: "bytes", Buffer: "buffer", DataView: "view", RegExpExecArray: "match", RegExpMatchArray: "match", Date: "date", Error: "err" };
const GENERIC_TYPES = new Set(["Array", "ReadonlyArray", "Map", "Set", "ReadonlyMap", "ReadonlySet", "Object", "Function", "Promise", "Record", "Omit", "Pick", "Partial", "Readonly", "NonNullable", "Extract", "Exclude", "Iterable", "IterableIterator", "Generator"]);
/** Plural → singular where dropping the "s" is wrong ("" = no good singular: ask a person). */
const SINGULAR: Record<string, string> = { children: "child", entries: "entry", indices: "index", indexes: "index", data: "", aliases: "alias", statuses: "status", addresses: "address", classes: "", prefixes: "prefix", matches: "match", processes: "", hashes: "hash", patches: "patch", suffixes: "suffix", series: "", bytes: "", options: "", dns: "dnsServer", wins: "winsServer", ntfs: "", gws: "gateway" };
/** Words that cannot or should not be a variable's name. */
const RESERVED = new Set(["class", "function", "default", "new", "delete", "in", "of", "switch", "case", "var", "let", "const", "enum", "this", "return", "process", "name", "status"]);

const capitalized = (word: string) => word[0].toUpperCase() + word.slice(1);
const uncapitalized = (word: string) => word[0].toLowerCase() + word.slice(1);

/** "oldDeviceIds" → "oldDeviceId"; undefined when the last word is not a plural. */
function singular(word: string): string | undefined {
  const split = /([A-Za-z]*?)([A-Z]?[a-z]+)$/.exec(word);
  if (!split) return undefined;
  const [, head, last] = split;
  const lower = last.toLowerCase();
  let one: string | undefined;
  if (lower in SINGULAR) one = SINGULAR[lower] || undefined;
  else if (/ies$/.test(lower)) one = lower.slice(0, -3) + "y";
  else if (/(ss|x|ch|sh)es$/.test(lower)) one = lower.slice(0, -2);
  else if (/[^su]s$/.test(lower)) one = lower.slice(0, -1);
  if (!one) return undefined;
  return uncapitalized(head + (head ? capitalized(one) : one));
}

/** The word an expression ends in: `model.network.adapters` → "adapters", `key.subkeys()` → "subkeys", `readValues(x)` → "values". */
function lastWord(start: ts.Expression): string | undefined {
  let expression = start;
  for (;;) {
    if (ts.isIdentifier(expression)) return expression.text;
    if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
    if (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression) || ts.isAsExpression(expression)) {
      expression = expression.expression;
      continue;
    }
    if (ts.isArrayLiteralExpression(expression) && expression.elements.length === 1 && ts.isSpreadElement(expression.elements[0])) {
      expression = expression.elements[0].expression;
      continue;
    }
    if (ts.isBinaryExpression(expression) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(expression.operatorToken.kind)) {
      expression = expression.left;
      continue;
    }
    if (!ts.isCallExpression(expression)) return undefined;
    const callee = expression.expression;
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      if (["filter", "slice", "sort", "toSorted", "reverse", "concat", "flat"].includes(method)) {
        expression = callee.expression;
        continue;
      }
      if (method === "entries") return undefined;
      if ((method === "values" || method === "keys") && ts.isIdentifier(callee.expression)) return callee.expression.text;
      if (method === "from" && ts.isIdentifier(callee.expression) && callee.expression.text === "Array") {
        expression = expression.arguments[0];
        continue;
      }
    }
    const called = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
    const verb = called ? /^(parse|read|list|get|find|load|collect|all|scan|decode|select)([A-Z]\w*)$/.exec(called) : null;
    return verb ? uncapitalized(verb[2]) : called;
  }
}

/** "RegistryChange" → "registryChange", "NSIRoute" → "nsiRoute". */
function lowerCamel(typeName: string): string {
  const acronym = /^[A-Z]+(?=[A-Z][a-z]|$)/.exec(typeName);
  return acronym ? acronym[0].toLowerCase() + typeName.slice(acronym[0].length) : uncapitalized(typeName);
}

function nameFromType(checker: ts.TypeChecker, node: ts.Node): string | undefined {
  let type = checker.getNonNullableType(checker.getTypeAtLocation(node));
  if (type.isUnion()) {
    const names = new Set(type.types.map((member) => (member.aliasSymbol ?? member.symbol)?.name));
    if (names.size !== 1) return type.aliasSymbol && !type.aliasSymbol.name.startsWith("__") ? lowerCamel(type.aliasSymbol.name) : undefined;
    type = type.types[0];
  }
  const typeName = (type.aliasSymbol ?? type.symbol)?.name;
  if (!typeName) return undefined;
  if (typeName in TYPE_NAMES) return TYPE_NAMES[typeName];
  if (typeName.startsWith("__") || GENERIC_TYPES.has(typeName) || !/^[A-Z][A-Za-z0-9]*$/.test(typeName)) return undefined;
  return lowerCamel(typeName);
}

/** The node a declaration is visible in. */
function scopeOf(declaration: ts.Node): ts.Node {
  let node: ts.Node = declaration;
  while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) node = node.parent;
  if (ts.isParameter(node)) return node.parent;
  if (!ts.isVariableDeclaration(node)) return node.parent;
  if (ts.isCatchClause(node.parent)) return node.parent;
  const list = node.parent as ts.VariableDeclarationList;
  const blockScoped = (list.flags & ts.NodeFlags.BlockScoped) !== 0;
  let scope: ts.Node = list.parent;
  if (ts.isForOfStatement(scope) || ts.isForInStatement(scope) || ts.isForStatement(scope)) return scope;
  while (!(ts.isSourceFile(scope) || ts.isFunctionLike(scope) || (blockScoped && (ts.isBlock(scope) || ts.isCaseBlock(scope) || ts.isModuleBlock(scope))))) scope = scope.parent;
  return scope;
}

/** For a parameter of a callback given to `receiver.method(...)`: that call, the method, the parameter's position. */
function callbackOf(parameter: ts.ParameterDeclaration): { receiver: ts.Expression; method: string; position: number } | undefined {
  const callback = parameter.parent;
  if (!(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) return undefined;
  const call = callback.parent;
  if (!ts.isCallExpression(call) || !call.arguments.some((argument) => argument === callback) || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  return { receiver: call.expression.expression, method: call.expression.name.text, position: callback.parameters.indexOf(parameter) };
}

const isEntriesCall = (expression: ts.Expression) => ts.isCallExpression(expression) && ts.isPropertyAccessExpression(expression.expression) && expression.expression.name.text === "entries";

/** Names to try for one declaration, best first. */
function proposals(checker: ts.TypeChecker, name: ts.Identifier, declaration: ts.Node): string[] {
  const found: string[] = [];
  const add = (candidate: string | undefined) => {
    if (candidate && candidate.length > 1 && !found.includes(candidate) && !RESERVED.has(candidate)) found.push(candidate);
  };
  let whole: ts.Node = declaration;
  while (ts.isBindingElement(whole) || ts.isObjectBindingPattern(whole) || ts.isArrayBindingPattern(whole)) whole = whole.parent;
  const pairPosition = (pattern: ts.BindingName) => (ts.isArrayBindingPattern(pattern) ? pattern.elements.indexOf(declaration as ts.BindingElement) : -1);
  if (ts.isVariableDeclaration(declaration) && ts.isCatchClause(declaration.parent)) add("err");
  if (ts.isParameter(declaration) && (name.text === "a" || name.text === "b")) {
    const siblings = declaration.parent.parameters.map((parameter) => (ts.isIdentifier(parameter.name) ? parameter.name.text : ""));
    if (siblings.includes("a") && siblings.includes("b")) add(name.text === "a" ? "left" : "right");
  }
  if (ts.isBindingElement(declaration) && declaration.propertyName && ts.isIdentifier(declaration.propertyName)) add(declaration.propertyName.text);
  if (ts.isParameter(whole)) {
    const callback = callbackOf(whole);
    if (callback && ARRAY_METHODS.has(callback.method)) {
      const reduces = callback.method.startsWith("reduce");
      const elementPosition = reduces ? 1 : 0;
      if (callback.position === elementPosition && whole === declaration) add(singular(lastWord(callback.receiver) ?? ""));
      if (callback.position === elementPosition && isEntriesCall(callback.receiver)) add(["key", "value"][pairPosition(whole.name)]);
      if (reduces && callback.position === 0 && checker.getTypeAtLocation(name).flags & ts.TypeFlags.NumberLike) add("sum");
    }
  }
  if (ts.isVariableDeclaration(whole) && ts.isForOfStatement(whole.parent.parent)) {
    const iterated = whole.parent.parent.expression;
    if (whole === declaration) add(singular(lastWord(iterated) ?? ""));
    if (isEntriesCall(iterated)) add(["key", "value"][pairPosition(whole.name)]);
  }
  if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
    let initializer: ts.Expression = declaration.initializer;
    while (ts.isAwaitExpression(initializer) || ts.isParenthesizedExpression(initializer) || ts.isNonNullExpression(initializer)) initializer = initializer.expression;
    if (ts.isCallExpression(initializer)) {
      const callee = initializer.expression;
      const called = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : "";
      const subject = ts.isPropertyAccessExpression(callee) ? lastWord(callee.expression) : undefined;
      if (called === "exec" || called === "match") add("match");
      if (called === "readSync") add("bytesRead");
      if (called === "Number" || called === "parseInt" || called === "BigInt") add("parsed");
      if (called === "toLowerCase" && subject) add(`lower${capitalized(subject)}`);
      if (called === "toUpperCase" && subject) add(`upper${capitalized(subject)}`);
      if (called === "trim") add("trimmed");
      if (called === "charCodeAt") add("code");
    }
  }
  add(nameFromType(checker, name));
  return found;
}

/** True where an identifier names a property, not a variable (renaming a variable cannot collide with it). */
function isPropertyName(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) return (ts.isPropertyAccessExpression(parent) ? parent.name : parent.right) === identifier;
  if (ts.isBindingElement(parent) || ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) return parent.propertyName === identifier;
  const named = ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent) || ts.isEnumMember(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent);
  return named && parent.name === identifier;
}

const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
const sources = config.fileNames.filter((file) => file.startsWith(SRC + "/"));
const service = ts.createLanguageService(
  {
    getScriptFileNames: () => sources,
    getScriptVersion: () => "0",
    getScriptSnapshot: (file) => (ts.sys.fileExists(file) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(file)!) : undefined),
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => config.options,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  },
  ts.createDocumentRegistry(),
);
const program = service.getProgram()!;
const checker = program.getTypeChecker();
// Not in TypeScript's public typings, but what its own rename uses to find what a name means at a place.
const resolveName = (checker as unknown as { resolveName(name: string, location: ts.Node, meaning: ts.SymbolFlags, excludeGlobals: boolean): ts.Symbol | undefined }).resolveName.bind(checker);

let renamed = 0;
const left: string[] = [];
for (const file of sources.filter((source) => folders.some((folder) => relative(SRC, source).startsWith(folder)))) {
  const source = program.getSourceFile(file)!;
  const identifierAt = new Map<number, ts.Identifier>();
  const declarations: { name: ts.Identifier; declaration: ts.Node }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) identifierAt.set(node.getStart(source), node);
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name) && (onlyName ? node.name.text === onlyName : node.name.text.length === 1 && !isConvention(node.name, node))) declarations.push({ name: node.name, declaration: node });
    ts.forEachChild(node, visit);
  };
  visit(source);
  const accepted: { newName: string; scope: ts.Node; locations: readonly ts.RenameLocation[] }[] = [];
  for (const { name, declaration } of declarations) {
    const key = `${relative(SRC, file)}:${source.getLineAndCharacterOfPosition(name.getStart(source)).line + 1}:${name.text}`;
    const tried = key in overrides ? [overrides[key]] : onlyName && toName ? [toName] : proposals(checker, name, declaration);
    const locations = service.findRenameLocations(file, name.getStart(source), false, false, { providePrefixAndSuffixTextForRename: true });
    if (!locations || locations.some((location) => location.fileName !== file)) {
      left.push(`${key} (used in other files)`);
      continue;
    }
    const scope = scopeOf(declaration);
    const fits = (candidate: string): boolean => {
      // Means something already at a reference: the rename would capture or be captured.
      for (const location of locations) {
        const reference = identifierAt.get(location.textSpan.start);
        if (!reference || resolveName(candidate, reference, ts.SymbolFlags.Value | ts.SymbolFlags.Alias, false)) return false;
      }
      // Declared or used anywhere in the scope (a nested declaration would shadow the renamed one).
      let clash = false;
      const look = (node: ts.Node): void => {
        if (clash) return;
        if (ts.isIdentifier(node) && node.text === candidate && !isPropertyName(node)) clash = true;
        else ts.forEachChild(node, look);
      };
      look(scope);
      // Another rename in this file to the same name in an enclosing or enclosed scope.
      return !clash && !accepted.some((other) => other.newName === candidate && other.scope.getStart(source) < scope.end && scope.getStart(source) < other.scope.end);
    };
    const chosen = tried.find(fits);
    if (!chosen) {
      left.push(`${key} [${tried.join(", ")}] ${declaration.getText(source).slice(0, 70).replace(/\s+/g, " ")}`);
      continue;
    }
    accepted.push({ newName: chosen, scope, locations });
    console.log(`${key} -> ${chosen}`);
  }
  renamed += accepted.length;
  if (!write || accepted.length === 0) continue;
  const edits = accepted
    .flatMap(({ newName, locations }) => locations.map(({ textSpan, prefixText, suffixText }) => ({ start: textSpan.start, end: textSpan.start + textSpan.length, text: `${prefixText ?? ""}${newName}${suffixText ?? ""}` })))
    .sort((first, second) => second.start - first.start);
  let text = source.getFullText();
  for (const [index, edit] of edits.entries()) {
    if (index > 0 && edit.end > edits[index - 1].start) throw new Error(`${file}: two renames overlap at ${edit.start}`);
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  writeFileSync(file, text);
}
console.log(`${write ? "renamed" : "would rename"} ${renamed}; left for a person: ${left.length}`);
for (const line of left) console.log(`left ${line}`);
