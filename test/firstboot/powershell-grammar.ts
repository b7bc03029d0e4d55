/**
 * A real PowerShell parser for the tests: tree-sitter-powershell's WASM grammar (shipped in
 * the npm package) run by web-tree-sitter. Gives the syntax errors of a script and the
 * commands and .NET/WMI methods it would call, so the tests can check generated scripts
 * without Windows.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Language, Parser, type Node } from "web-tree-sitter";

const require = createRequire(import.meta.url);
let parser: Parser | undefined;

export async function powershellParser(): Promise<Parser> {
  if (!parser) {
    await Parser.init();
    const wasm = join(dirname(require.resolve("tree-sitter-powershell/package.json")), "tree-sitter-powershell.wasm");
    const language = await Language.load(wasm);
    parser = new Parser();
    parser.setLanguage(language);
  }
  return parser;
}

function walk(node: Node, visit: (n: Node) => void): void {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    visit(n);
    for (let i = n.childCount - 1; i >= 0; i--) stack.push(n.child(i)!);
  }
}

export interface Parsed {
  /** ERROR and MISSING nodes: "line:column text". */
  errors: string[];
  /** Command invocations: the name and the argument text. */
  commands: { name: string; args: string }[];
  /** Member names invoked as methods ($cfg.EnableStatic(...) → EnableStatic). */
  methods: string[];
  /** Text of every while loop. */
  whileLoops: string[];
}

export async function parsePowerShell(script: string): Promise<Parsed> {
  const tree = (await powershellParser()).parse(script);
  if (!tree) throw new Error("tree-sitter returned no tree");
  const out: Parsed = { errors: [], commands: [], methods: [], whileLoops: [] };
  walk(tree.rootNode, (n) => {
    if (n.isError || n.isMissing) out.errors.push(`${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.isMissing ? "MISSING " + n.type : n.text.slice(0, 60)}`);
    if (n.type === "command") {
      const name = n.childForFieldName("command_name") ?? n.namedChildren.find((c) => c?.type === "command_name") ?? null;
      if (name) out.commands.push({ name: name.text, args: n.text.slice(name.endIndex - n.startIndex).trim() });
    }
    if (n.type === "invokation_expression" || n.type === "invocation_expression") {
      const member = n.namedChildren.find((c) => c?.type === "member_name");
      if (member) out.methods.push(member.text);
    }
    if (n.type === "while_statement") out.whileLoops.push(n.text);
  });
  tree.delete();
  return out;
}
