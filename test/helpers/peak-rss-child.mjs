/**
 * `p2vfix ARGS...` in a child process whose peak RSS a test measures: runs the CLI's `main`
 * from P2VFIX_MAIN (dist/cli/main.js), then
 * writes `maxrss-kib N` (process.resourceUsage().maxRSS) as the last stderr line.
 */
const { main } = await import(process.env.P2VFIX_MAIN);
process.exitCode = await main(process.argv.slice(2));
process.stderr.write(`maxrss-kib ${process.resourceUsage().maxRSS}\n`);
