/** Child process for console-cli.test.ts: the real CLI entry, as bin/p2vfix.js runs it, from the sources. */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
