#!/usr/bin/env node
// Part of `npm run build`, after tsc: writes the validated copies of the knowledge files
// (data/*.yaml, data/fixups/*.yaml) beside their compiled loaders in dist/, so that runs
// with unchanged data files need neither yaml nor zod. A bad data file fails the build.
import { writeFileSync } from "node:fs";
import { compileFixupKnowledge, compiledFixupKnowledgePath } from "../dist/fixups/knowledge.js";
import { compileKnowledge, compiledKnowledgePath } from "../dist/windows/knowledge.js";

for (const [path, compiled] of [
  [compiledKnowledgePath, compileKnowledge()],
  [compiledFixupKnowledgePath, compileFixupKnowledge()],
]) {
  writeFileSync(path, JSON.stringify(compiled) + "\n");
}
