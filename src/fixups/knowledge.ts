/**
 * The fixups' own knowledge files under data/fixups (held services, vendor uninstallers).
 * Shape and validation: ./knowledge-schema.ts. As for the Windows knowledge, the build writes a
 * validated copy beside this module (knowledge.compiled.json), used while the files' bytes
 * match it; otherwise they are parsed and validated.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileData, dataFileValue, fileSha256, readCompiledData, type CompiledData } from "../util/compiled-data.js";
import { dataDir } from "../windows/knowledge.js";
import { fixupKnowledgeValidatorFile, fixupKnowledgeValidators, type FixupKnowledge } from "./knowledge-schema.js";

export type { FixupKnowledge, HeldFile, UninstallFile } from "./knowledge-schema.js";

/** Where the build writes the validated copy: beside this module, so only dist/ has one. */
export const compiledFixupKnowledgePath: string = join(dirname(fileURLToPath(import.meta.url)), "knowledge.compiled.json");

type FixupKnowledgeFile = keyof typeof fixupKnowledgeValidators;
const files = Object.keys(fixupKnowledgeValidators) as FixupKnowledgeFile[];

/** The files of `fixupsDir` (data/fixups): from `compiled` where their bytes match it, else validated. */
export function loadFixupKnowledge(fixupsDir: string, compiled: CompiledData | undefined): FixupKnowledge {
  const validatorSha256 = compiled === undefined ? undefined : fileSha256(fixupKnowledgeValidatorFile);
  const value = <F extends FixupKnowledgeFile>(file: F): ReturnType<(typeof fixupKnowledgeValidators)[F]> =>
    dataFileValue(compiled, validatorSha256, file, readFileSync(join(fixupsDir, file)), fixupKnowledgeValidators[file] as (text: string) => ReturnType<(typeof fixupKnowledgeValidators)[F]>);
  return { held: value("held-services.yaml"), uninstall: value("vendor-uninstall.yaml") };
}

/** The validated copy of the files of `fixupsDir` (the build writes it to compiledFixupKnowledgePath). */
export function compileFixupKnowledge(fixupsDir: string = join(dataDir, "fixups")): CompiledData {
  const validatorSha256 = fileSha256(fixupKnowledgeValidatorFile);
  if (validatorSha256 === undefined) throw new Error(`cannot read ${fixupKnowledgeValidatorFile}`);
  return compileData(
    validatorSha256,
    files.map((file) => {
      const bytes = readFileSync(join(fixupsDir, file));
      return { file, bytes, value: fixupKnowledgeValidators[file](bytes.toString("utf8")) };
    }),
  );
}

let cached: FixupKnowledge | undefined;

export function fixupKnowledge(): FixupKnowledge {
  cached ??= loadFixupKnowledge(join(dataDir, "fixups"), readCompiledData(compiledFixupKnowledgePath));
  return cached;
}
