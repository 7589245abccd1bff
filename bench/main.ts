/**
 * Benchmark dispatcher: `npx tsx bench/main.ts NAME [options]` (or `npm run bench -- NAME`).
 *   acquisition [--json FILE] [--quick]   superpixel scoring vs the NumPy reference and the memory bound
 *   inference [--json FILE] [--quick] [--provider cpu|cuda] [--threads N]   onnxruntime-node vs PyTorch; fused scoring
 *   campaign [--json FILE] [--quick] [--only demo|fanout] ...   a campaign's orchestration overhead; a 100k-image scoring fan-out
 */
import { runAcquisitionBenchmark } from './acquisition.js';
import { runCampaignBenchmark } from './campaign.js';
import { runInferenceBenchmark } from './inference.js';

const benchmarks: Record<string, (args: string[]) => void | Promise<void>> = {
  acquisition: runAcquisitionBenchmark,
  campaign: runCampaignBenchmark,
  inference: runInferenceBenchmark,
};

const [name, ...args] = process.argv.slice(2);
const run = name === undefined ? undefined : benchmarks[name];
if (run === undefined) {
  console.error(`usage: bench/main.ts <${Object.keys(benchmarks).join('|')}> [options]`);
  process.exit(2);
}
await run(args);
