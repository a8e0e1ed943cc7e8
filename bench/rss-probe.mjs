// Loaded with `node --import`: prints the process's peak RSS on exit, for the benchmarks.
process.on('exit', () => process.stderr.write(`\n__maxrss_kb ${process.resourceUsage().maxRSS}\n`));
