/**
 * Campaign benchmark (issue 5, "Measured"), on a real embedded stack started for it:
 *
 *   A. a demo-sized campaign (real workers in-process, the reference trainer, onnxruntime scoring,
 *      the oracle answering through `submitAnswers`): wall time per round and per step, and the
 *      orchestration overhead (wall − the union of the activities' own time, the annotation wait
 *      left out), goal < 5%;
 *   B. one round's scoring fan-out over a large train split (scoring simulated, no model; the
 *      workers in a child process): time, images/s, the round's history length and size,
 *      continue-as-new runs, the worker process's peak RSS.
 *
 * Usage: bench/main.ts campaign [--quick] [--only demo|fanout] [--json FILE]
 *          [--rounds N] [--images N] [--budget N] [--epochs N] [--seed N]
 *          [--fanout-images N] [--shard-size N] [--scoring-concurrency N] [--fanout-budget N]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { startTestStack } from '../test/support/test-stack.js';
import { runDemoCampaign, type DemoCampaignResult } from './campaign-demo.js';
import { runFanout, type FanoutResult } from './campaign-fanout.js';
import { ANNOTATE_STEP, type StepTiming } from './campaign-timeline.js';

const USAGE = `usage: bench/main.ts campaign [--quick] [--only demo|fanout] [--json FILE]
  demo campaign:  --rounds N (2; quick 1)  --images N (80; 24)  --budget N (60; 10)  --epochs N (25; 2)  --seed N (1)
  fan-out round:  --fanout-images N (100000; quick 5000)  --shard-size N (100)  --scoring-concurrency N (4)  --fanout-budget N (20)`;

/** The issue's goal for the orchestration overhead of a round. */
const OVERHEAD_GOAL = 0.05;

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const ArgsSchema = z
  .object({
    help: z.boolean().default(false),
    quick: z.boolean().default(false),
    only: z.enum(['demo', 'fanout']).optional(),
    json: z.string().min(1).optional(),
    rounds: count(1, 20).optional(),
    images: count(10, 5000).optional(),
    budget: count(1, 1000).optional(),
    epochs: count(1, 500).optional(),
    seed: count(0, 2 ** 31).default(1),
    'fanout-images': count(10, 100_000).optional(),
    'shard-size': count(1, 100_000).default(100),
    'scoring-concurrency': count(1, 64).default(4),
    'fanout-budget': count(1, 1000).default(20),
  })
  .strict();

const FULL = { rounds: 2, images: 80, budget: 60, epochs: 25, fanoutImages: 100_000 };
const QUICK = { rounds: 1, images: 24, budget: 10, epochs: 2, fanoutImages: 5000 };

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: Object.fromEntries(
      Object.keys(ArgsSchema.shape).map((name) => [name, { type: name === 'quick' || name === 'help' ? ('boolean' as const) : ('string' as const) }]),
    ),
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    throw new InputError(`bench campaign: bad options:\n  ${issues.join('\n  ')}\n${USAGE}`);
  }
  const o = parsed.data;
  const plan = o.quick ? QUICK : FULL;
  return {
    help: o.help,
    quick: o.quick,
    only: o.only,
    json: o.json,
    demo: { rounds: o.rounds ?? plan.rounds, images: o.images ?? plan.images, budget: o.budget ?? plan.budget, epochs: o.epochs ?? plan.epochs, seed: o.seed },
    fanout: { images: o['fanout-images'] ?? plan.fanoutImages, shardSize: o['shard-size'], scoringConcurrency: o['scoring-concurrency'], budget: o['fanout-budget'], seed: o.seed },
  };
}

const s = (ms: number) => (ms / 1000).toFixed(1);
const pct = (fraction: number) => `${(fraction * 100).toFixed(1)}`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function table(header: string[], rows: string[][], leftColumns = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [format(header), ...rows.map(format)].join('\n');
}

const stepRow = (prefix: string[], step: StepTiming, machineMs?: number): string[] => [
  ...prefix,
  step.step === ANNOTATE_STEP ? `${step.step} (human)` : step.step,
  String(step.activities),
  s(step.wallMs),
  s(step.busyMs),
  s(step.overheadMs),
  machineMs === undefined || step.step === ANNOTATE_STEP ? '' : pct(step.overheadMs / Math.max(step.wallMs, 1)),
];

function printDemo(demo: DemoCampaignResult): void {
  const { options } = demo;
  console.log(
    `\nA. demo-sized campaign ${demo.campaignId}: ${options.images} synthetic images, ${options.rounds} correction rounds of ${options.budget} queries, ` +
      `${options.epochs} epochs (tiny trainer), real CPU + GPU workers in-process, oracle answers through submitAnswers`,
  );
  const rows: string[][] = [];
  for (const round of demo.rounds) {
    for (const step of round.steps) rows.push(stepRow([String(round.round)], step, round.wallMs));
    rows.push([String(round.round), 'round (annotation excluded)', '', s(round.wallMs - round.annotationMs), s(round.busyMs), s(round.overheadMs), pct(round.overheadFraction)]);
  }
  console.log(table(['round', 'step', 'acts', 'wall s', 'activity s', 'overhead s', 'overhead %'], rows));
  console.log(
    'activity s = union of the activities\' started→closed intervals (the scoring fan-out overlaps); overhead = wall − activity; ' +
      'annotate = queries issued → last answer, human time, out of the totals',
  );
  const machineMs = demo.rounds.reduce((sum, r) => sum + r.wallMs - r.annotationMs, 0);
  const overheadMs = demo.rounds.reduce((sum, r) => sum + r.overheadMs, 0);
  console.log(
    `campaign wall ${s(demo.campaignWallMs)} s over ${demo.campaignRuns} runs; between rounds (child start, continue-as-new) ${s(demo.betweenRoundsMs)} s; ` +
      `annotation ${s(demo.rounds.reduce((sum, r) => sum + r.annotationMs, 0))} s`,
  );
  console.log(
    `orchestration overhead over all rounds: ${s(overheadMs)} s of ${s(machineMs)} s = ${pct(demo.overheadFraction)}% ` +
      `(goal < ${pct(OVERHEAD_GOAL)}%: ${demo.overheadFraction < OVERHEAD_GOAL ? 'met' : 'NOT met'})`,
  );
}

function printFanout(fanout: FanoutResult): void {
  const { options } = fanout;
  console.log(
    `\nB. scoring fan-out: ${options.images} images (${fanout.width}x${fanout.height}, ${fanout.classes} classes; ${fanout.poolImages} distinct synthetic images behind the items, ` +
      `probabilities simulated per item id), ${fanout.shards} shards of ${options.shardSize}, scoring concurrency ${options.scoringConcurrency}, budget ${options.budget}`,
  );
  const rows = fanout.steps.map((step) => stepRow([], step, fanout.wallMs));
  rows.push(['to queries issued', '', s(fanout.wallMs), s(fanout.busyMs), s(fanout.overheadMs), pct(fanout.overheadMs / fanout.wallMs)]);
  console.log(table(['step', 'acts', 'wall s', 'activity s', 'overhead s', 'overhead %'], rows, 1));
  const { worker } = fanout;
  const vmHwm = worker.vmHwmBytes === null ? '' : `, VmHWM ${mb(worker.vmHwmBytes)}`;
  const startup = worker.startupPeakBytes === null ? '' : `; ${mb(worker.startupPeakBytes)} at start-up, when the CPU worker bundles the workflows`;
  const size = fanout.historySizeBytes === null ? 'size unknown' : mb(fanout.historySizeBytes);
  console.log(
    [
      `images/s: ${fanout.imagesPerSecond.toFixed(0)} to queries issued, ${fanout.scoreImagesPerSecond.toFixed(0)} in the score step; ${fanout.queries} queries issued`,
      `round history: ${fanout.historyLength} events, ${size} over ${fanout.runs.length} runs (continue-as-new: ${fanout.continueAsNew}; ` +
        `per run: ${fanout.runs.map((r) => `${r.historyLength} events${r.historySizeBytes === null ? '' : ` / ${(r.historySizeBytes / 1e3).toFixed(0)} KB`}`).join(', ')})`,
      `worker process (real CPU worker + simulated GPU worker): peak RSS during the round ${mb(worker.peakRssBytes)} (sampled every 100 ms${vmHwm}; ` +
        `V8 heap used at most ${mb(worker.peakHeapUsedBytes)}, ArrayBuffers ${mb(worker.peakArrayBuffersBytes)})${startup}`,
      `dataset manifest: ${mb(fanout.manifest.bytes)}, read + validated in ${fanout.manifest.readMs.toFixed(0)} ms; the simulated scoreShard reads it once per process, ` +
        `the real one once per shard (${fanout.shards} x ${fanout.manifest.readMs.toFixed(0)} ms = ${s(fanout.shards * fanout.manifest.readMs)} s of worker time)`,
    ].join('\n'),
  );
}

export async function runCampaignBenchmark(args: string[]): Promise<void> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(args);
  } catch (error) {
    // parseArgs's own errors (unknown option, missing value) are bad input as well.
    console.error(error instanceof InputError ? error.message : `bench campaign: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const log = (line: string) => console.error(line);
  const started = performance.now();
  const stack = await startTestStack('alc-bench-campaign-');
  log(`stack up in ${s(performance.now() - started)} s`);
  let demo: DemoCampaignResult | undefined;
  let fanout: FanoutResult | undefined;
  try {
    if (options.only !== 'fanout') demo = await runDemoCampaign(stack.config, options.demo, log);
    if (options.only !== 'demo') fanout = await runFanout(stack.config, options.fanout, log);
  } finally {
    await stack.teardown();
  }
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores (shared), node ${process.version}`);
  if (demo) printDemo(demo);
  if (fanout) printFanout(fanout);
  if (options.json !== undefined) {
    const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version };
    writeFileSync(options.json, JSON.stringify({ benchmark: 'campaign', quick: options.quick, machine, overheadGoal: OVERHEAD_GOAL, demo: demo ?? null, fanout: fanout ?? null }, null, 2) + '\n');
  }
}
