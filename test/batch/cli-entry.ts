/** The CLI entry the batch tests bundle (helpers.ts): what bin/p2vfix.js is, over the sources. */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
