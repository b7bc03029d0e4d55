/**
 * `p2vfix ARGS...` in a child process for tests that measure it (peak RSS): run as
 * `node --import tsx test/regf/import/cli-child.ts ARGS...`; the last stderr line is
 * `maxrss-kib N`.
 */
import { main } from "../../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
process.stderr.write(`maxrss-kib ${process.resourceUsage().maxRSS}\n`);
