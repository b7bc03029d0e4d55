export * from "./errors.js";
export * from "./io/index.js";
