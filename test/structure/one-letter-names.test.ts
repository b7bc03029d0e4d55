/**
 * No one-letter names in src (issue 20, style-anchors.md "Names and signatures"): a reader of
 * `const r = registry` or `(k) => k.name` has to hold in mind what `r` and `k` are; the name
 * should say it. The scan reads every declaration TypeScript's parser sees — const/let/var,
 * parameters (arrow callbacks included), destructuring, catch, function declarations — and fails on a one-letter one
 * that is not one of the conventions in test/helpers/one-letter-names.ts (loop counters, `_`,
 * index parameters of array callbacks, sort comparators).
 */
import { describe, expect, it } from "vitest";
import { SRC, sourceFiles } from "../helpers/import-graph.js";
import { oneLetterNames } from "../helpers/one-letter-names.js";

describe("names", () => {
  it("no one-letter declarations in src (beyond loop counters, `_` and sort comparators)", () => {
    const named = sourceFiles(SRC)
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
    expect(names).toEqual(["1 r", "2 v", "3 k", "4 x", "5 f", "5 s", "6 n", "7 e", "8 c"]);
  });
});
