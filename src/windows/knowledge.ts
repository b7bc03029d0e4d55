/**
 * The knowledge files under data/ (vendor services, boot storage paths, NCSI defaults,
 * Windows builds). Their shape and validation live in ./knowledge-schema.ts; `npm run build`
 * also writes a validated copy beside the compiled module (knowledge.compiled.json), used while
 * the files' bytes are the ones it was made from, so that an unchanged run loads neither yaml
 * nor zod. An edited file, or a run from src/, is parsed and validated as before.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError } from "../errors.js";
import { compileData, dataFileValue, fileSha256, readCompiledData, type CompiledData } from "../util/compiled-data.js";
import { knowledgeValidatorFile, knowledgeValidators, type Knowledge } from "./knowledge-schema.js";

export type { BootFile, BuildsFile, Hypervisor, Knowledge, NcsiFile, VendorFile } from "./knowledge-schema.js";

const here = dirname(fileURLToPath(import.meta.url));

/** data/ sits at the package root, two levels above both src/windows and dist/windows. */
export const dataDir: string = resolve(here, "../../data");

/** Where the build writes the validated copy: beside this module, so only dist/ has one. */
export const compiledKnowledgePath: string = join(here, "knowledge.compiled.json");

type KnowledgeFile = keyof typeof knowledgeValidators;
const files = Object.keys(knowledgeValidators) as KnowledgeFile[];

function readDataFile(dir: string, file: string): Buffer {
  const path = join(dir, file);
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new NotFoundError("data-file-missing", `knowledge file ${file} not found`, { path, cause });
  }
}

/**
 * The knowledge files of `dir`: from `compiled` where a file's bytes match it, else parsed and
 * validated (same value either way; same errors for a bad file).
 */
export function loadKnowledge(dir: string, compiled: CompiledData | undefined): Knowledge {
  const validatorSha256 = compiled === undefined ? undefined : fileSha256(knowledgeValidatorFile);
  const value = <F extends KnowledgeFile>(file: F): ReturnType<(typeof knowledgeValidators)[F]> =>
    dataFileValue(compiled, validatorSha256, file, readDataFile(dir, file), knowledgeValidators[file] as (text: string) => ReturnType<(typeof knowledgeValidators)[F]>);
  return {
    vendors: value("vendor-services.yaml"),
    boot: value("boot-storage.yaml"),
    ncsi: value("ncsi.yaml"),
    builds: value("windows-builds.yaml"),
  };
}

/** The validated copy of every knowledge file of `dir` (the build writes it to compiledKnowledgePath). */
export function compileKnowledge(dir: string = dataDir): CompiledData {
  const validatorSha256 = fileSha256(knowledgeValidatorFile);
  if (validatorSha256 === undefined) throw new Error(`cannot read ${knowledgeValidatorFile}`);
  return compileData(
    validatorSha256,
    files.map((file) => {
      const bytes = readDataFile(dir, file);
      return { file, bytes, value: knowledgeValidators[file](bytes.toString("utf8")) };
    }),
  );
}

let cached: Knowledge | undefined;

export function knowledge(): Knowledge {
  cached ??= loadKnowledge(dataDir, readCompiledData(compiledKnowledgePath));
  return cached;
}
