/**
 * Benchmark dispatcher: `npx tsx bench/main.ts NAME [options]` (or `npm run bench -- NAME`).
 *   acquisition [--json FILE] [--quick]   superpixel scoring vs the NumPy reference and the memory bound
 */
import { runAcquisitionBenchmark } from './acquisition.js';

const benchmarks: Record<string, (args: string[]) => void | Promise<void>> = {
  acquisition: runAcquisitionBenchmark,
};

const [name, ...args] = process.argv.slice(2);
const run = name === undefined ? undefined : benchmarks[name];
if (run === undefined) {
  console.error(`usage: bench/main.ts <${Object.keys(benchmarks).join('|')}> [options]`);
  process.exit(2);
}
await run(args);
