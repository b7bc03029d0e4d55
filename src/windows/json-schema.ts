/** The JSON Schema of `p2vfix inspect --json`, generated from the zod schema (docs/inspect-schema.json). */
import { z } from "zod";
import { INSPECT_SCHEMA_VERSION, InspectReport } from "./schema.js";

export function inspectJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(InspectReport, { target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    title: `p2vfix inspect --json report, schema version ${INSPECT_SCHEMA_VERSION}`,
    description:
      "Offline Windows model and first-boot findings. null = not stored or not readable; sections of a missing hive are null and listed under `unknown`.",
    ...schema,
  };
}
