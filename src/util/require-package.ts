/**
 * A package loaded with require the first time it is needed instead of imported with the
 * module that uses it: a command that never needs it (most runs never draw a progress bar,
 * never read an undo file's schema) does not pay its loading. Synchronous, for synchronous
 * callers; the packages loaded this way ship a CommonJS build.
 */
import { createRequire } from "node:module";

/**
 * Package `name`, through `viaRequire` (the caller's own `() => require("name")`, written out so
 * that a bundler sees the name: it bundles the package, or hands the call to the CLI bundle's
 * real require from its banner), else through a require made for this file, as in Node's own ESM.
 */
export function requirePackage<T>(name: string, viaRequire: () => unknown): T {
  // An ESM bundle with packages external and no real require gets esbuild's shim, which throws
  // "Dynamic require ... is not supported": then the require made for this file resolves it.
  if (typeof require === "function") {
    try {
      return viaRequire() as T;
    } catch {
      // the shim: resolved from this file below
    }
  }
  return createRequire(import.meta.url)(name) as T;
}
