/**
 * The README's getting-started blocks run as written (in process, /tmp replaced by a fresh
 * folder): the main job, `fix` in one command, plan and apply (scenario hives built in process,
 * the VHDX demo with its VM definition), and looking inside an image.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildScenario } from "../../scripts/fixtures/build-scenarios.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The ```sh blocks under a heading (up to the next heading of any level). */
function blocksUnder(heading: string): string[] {
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`README has no heading ${heading}`);
  const rest = readme.slice(start + heading.length);
  const end = rest.search(/\n#{2,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Shell words of one line: single quotes, no expansion; a `#` after a space starts a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  let word = "";
  let quoted = false;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === "'") quoted = false;
      else word += ch;
    } else if (ch === "'") {
      quoted = true;
      inWord = true;
    } else if (ch === " " || ch === "\t") {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
    } else if (ch === "#" && !inWord) break;
    else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

async function runBlock(block: string, scratch: string): Promise<void> {
  for (const raw of block.split("\n")) {
    const argv = words(raw.replaceAll("/tmp/", `${scratch}/`));
    if (argv.length === 0) continue;
    let redirect: string | undefined;
    const gt = argv.indexOf(">");
    if (gt >= 0) {
      redirect = argv[gt + 1];
      argv.splice(gt, 2);
    }
    const [cmd, ...args] = argv;
    if (cmd === "cp") copyFileSync(join(root, args[0]), args[1].endsWith("/") ? join(args[1], basename(args[0])) : args[1]);
    else if (cmd === "gunzip" && args[0] === "-c" && redirect) writeFileSync(redirect, gunzipSync(readFileSync(join(root, args[1]))));
    else if (cmd === "npx" && args[0] === "tsx" && args[1] === "scripts/fixtures/build-scenarios.ts" && args[2] === "--out") {
      for (const name of args.slice(4)) buildScenario(name, args[3]);
    }
    else if (cmd === "rm" && args[0] === "-f") rmSync(args[1], { force: true });
    else if (cmd === "npx" && args[0] === "p2vfix") {
      const out = captureOutput();
      const code = await main(args.slice(1), out);
      expect({ line: raw, code, stderr: code === 0 ? "" : out.stderr() }).toEqual({ line: raw, code: 0, stderr: "" });
      if (redirect) writeFileSync(redirect, out.bytes());
    } else throw new Error(`README line this test cannot run: ${raw}`);
  }
}

describe("README blocks run as written", () => {
  for (const heading of ["## The main job, on the demo image", "### The whole job in one command: `p2vfix fix`", "### Fixing it: `p2vfix plan` and `p2vfix apply`", "### Looking inside an image: `p2vfix disk info`, `ls`, `cat`, `cp`"]) {
    it(heading, async () => {
      const blocks = blocksUnder(heading);
      expect(blocks.length).toBeGreaterThan(0);
      const scratch = mkdtempSync(join(tmpdir(), "p2vfix-readme-"));
      for (const block of blocks) await runBlock(block, scratch);
    });
  }
});
