/**
 * The version of `p2vfix inspect --json` (see ./schema.ts). Its own module so that producing a
 * report does not load zod, which only the schema's definition and documentation need.
 */
export const INSPECT_SCHEMA_VERSION = 1;
