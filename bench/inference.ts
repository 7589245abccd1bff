/**
 * Inference benchmark (issue 4, "Measured"): images/s of the `tiny` and the `paper` DeepLabV3+
 * through onnxruntime-node versus PyTorch eager (bench/reference/torch_predict.py) on the same
 * weights, inputs and intra-op thread count; then the activity's fused inference + scoring
 * against inference alone and against the two-step path (soft labels dumped as .npy, scored
 * separately); peak RSS of each. Every measurement runs in a process of its own, batch 1, after a
 * warm-up on the first image; times are the best pass (the median is in the JSON).
 *
 * Usage: bench/main.ts inference [--json FILE] [--quick] [--threads N] [--provider cpu|cuda]
 *                                [--mode alc|a2lc] [--model tiny|paper] [--fresh]
 *   --threads   intra-op threads of onnxruntime and of torch (default: all cores)
 *   --provider  onnxruntime execution provider; cuda falls back to CPU with a note when missing,
 *               and PyTorch then runs on the device onnxruntime got
 *   --mode      the engine's scoring mode (default alc: three passes over P, the heavier)
 *   --model     only this model
 *   --fresh     rebuild the models in a temporary directory instead of using the cache
 *               (.alc/bench/inference/; see bench/inference-models.ts)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Mode } from '../engine/types.js';
import type { ExecutionProvider } from '../inference/onnx-session.js';
import type { InferenceChildJob, InferenceChildResult, PassTiming, Variant } from './inference-child.js';
import { prepareModels, type BuiltModel, type ModelName } from './inference-models.js';

const root = path.resolve(import.meta.dirname, '..');
const python = path.join(root, '.venv/bin/python');
/** No single measurement may hang the benchmark. */
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;

interface ModelPlan {
  /** Rounds, each of which runs every measurement once in turn (a process each). */
  readonly rounds: number;
  /** Images timed (the first ones of the model's dataset). */
  readonly images: number;
  /** Timed passes over them per round: onnxruntime vs PyTorch, then each pipeline variant. */
  readonly passes: number;
  readonly pipelinePasses: number;
  /** Untimed runs on the first image before timing. */
  readonly warmup: number;
}

// Sized for ~3 minutes (quick: under 1) on 2 cores with the models cached; the paper model runs
// ~1.5 s per image through onnxruntime there and several through PyTorch.
const FULL: Readonly<Record<ModelName, ModelPlan>> = {
  tiny: { rounds: 3, images: 20, passes: 3, pipelinePasses: 4, warmup: 5 },
  paper: { rounds: 1, images: 3, passes: 2, pipelinePasses: 1, warmup: 1 },
};
const QUICK: Readonly<Record<ModelName, ModelPlan>> = {
  tiny: { rounds: 1, images: 20, passes: 3, pipelinePasses: 4, warmup: 3 },
  paper: { rounds: 1, images: 1, passes: 1, pipelinePasses: 1, warmup: 1 },
};
const PIPELINES: readonly Exclude<Variant, 'model'>[] = ['inference', 'fused', 'separate'];

interface Timing {
  readonly msPerImageBest: number;
  readonly msPerImageMedian: number;
  readonly imagesPerSecond: number;
  readonly peakRssMB: number;
}

export interface PipelineRow extends Timing {
  readonly variant: Exclude<Variant, 'model'>;
  /** Throughput relative to inference alone (1 = scoring costs nothing). */
  readonly vsInference: number;
  /**
   * Per image: the stages (see PassTiming), each the best of the passes. Measured apart from one
   * another, they show what scoring and the .npy round trip cost even when other processes make
   * the wall times of whole passes noisy.
   */
  readonly stagesMsPerImage: { readonly inference: number; readonly scoring: number; readonly dump: number; readonly load: number };
  /** scoring + dump + load per image: what the variant adds to inference. */
  readonly addedMsPerImage: number;
  /** addedMsPerImage over this variant's inference stage. */
  readonly addedOverInference: number;
  readonly npyMBPerImage: number;
  readonly superpixelsPerPass: number;
}

export interface InferenceModelResult {
  readonly model: ModelName;
  readonly description: string;
  readonly parameters: number | null;
  readonly classes: number;
  readonly height: number;
  readonly width: number;
  readonly images: number;
  readonly rounds: number;
  /** Timed passes in all (rounds x passes per round): onnxruntime and PyTorch each; pipelines each. */
  readonly passes: number;
  readonly pipelinePasses: number;
  readonly build: { readonly cached: boolean; readonly seconds: number };
  readonly ort: Timing & { readonly provider: string; readonly threads: number; readonly sessionMs: number };
  readonly torch: Timing & { readonly device: string; readonly threads: number; readonly version: string };
  /** onnxruntime images/s over PyTorch's: the goal is >= 1. */
  readonly ortOverTorch: number;
  readonly pipelines: PipelineRow[];
  /** Fused throughput over the separate path's. */
  readonly fusedOverSeparate: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function timing(passMs: readonly number[], images: number, peakRssMB: number): Timing {
  const best = Math.min(...passMs) / images;
  return { msPerImageBest: best, msPerImageMedian: median(passMs) / images, imagesPerSecond: 1000 / best, peakRssMB };
}

function runChild(job: InferenceChildJob): InferenceChildResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/inference-child.ts'), JSON.stringify(job)], {
    cwd: root,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`benchmark child (${job.variant}) failed (${child.error?.message ?? `exit ${child.status}`}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as InferenceChildResult;
}

interface TorchResult {
  readonly images: number;
  readonly seconds: number[];
  readonly threads: number;
  readonly device: string;
  readonly peakRssMB: number;
  readonly torch?: string;
}

function runTorch(model: BuiltModel, images: readonly string[], plan: ModelPlan, threads: number, device: string, scratch: string): TorchResult {
  const args = [
    path.join(root, 'bench/reference/torch_predict.py'), path.join(model.modelDir, 'checkpoint.pt'), String(model.classes), path.join(scratch, 'torch-out'), ...images,
    '--no-write', '--repeat', String(plan.passes), '--warmup', String(plan.warmup), '--threads', String(threads), '--device', device,
  ];
  const run = spawnSync(python, args, { cwd: root, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, PYTHONPATH: root } });
  if (run.status !== 0) throw new Error(`torch_predict.py failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr}`);
  if (run.stderr.includes('CUDA is not available')) console.error(`note: ${run.stderr.trim().split('\n').pop()}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as TorchResult;
}

/** The runs of one variant across rounds, as one: all their passes, the highest peak RSS. */
function merge(runs: readonly InferenceChildResult[]): InferenceChildResult {
  return { ...runs[0], passes: runs.flatMap((run) => run.passes), peakRssMB: Math.max(...runs.map((run) => run.peakRssMB)) };
}

function measureModel(model: BuiltModel, plan: ModelPlan, options: { threads: number; provider: ExecutionProvider; mode: Mode; scratch: string; notes: string[] }): InferenceModelResult {
  const items = model.items.slice(0, plan.images);
  const n = items.length;
  const job = (variant: Variant, passes: number): InferenceChildJob => ({
    variant, modelDir: model.modelDir, items, provider: options.provider, threads: options.threads, warmup: plan.warmup, passes, mode: options.mode,
    scratchDir: path.join(options.scratch, `npy-${model.name}`),
  });
  const progress = (what: string): void => console.error(`${model.name}: ${what}`);

  // Rounds take turns over every measurement, so load from other processes (a shared machine)
  // falls on all of them alike rather than on whichever happened to run at the time.
  const ortRuns: InferenceChildResult[] = [];
  const torchRuns: TorchResult[] = [];
  const pipelineRuns = new Map<Exclude<Variant, 'model'>, InferenceChildResult[]>(PIPELINES.map((variant) => [variant, []]));
  let device = 'cpu';
  for (let round = 1; round <= plan.rounds; round++) {
    const of = `round ${round}/${plan.rounds}, ${n} images`;
    progress(`onnxruntime (${options.provider}), ${of} x ${plan.passes} passes`);
    const ort = runChild(job('model', plan.passes));
    ortRuns.push(ort);
    if (ort.fallback !== null && !options.notes.includes(ort.fallback)) {
      options.notes.push(ort.fallback);
      console.error(`note: ${ort.fallback}`);
    }
    // PyTorch runs where onnxruntime did: the comparison stays on one device.
    device = ort.provider === 'cuda' ? 'cuda' : 'cpu';
    progress(`PyTorch eager (${device}), ${of} x ${plan.passes} passes`);
    torchRuns.push(runTorch(model, items.map((item) => item.image), plan, options.threads, device, options.scratch));
    for (const variant of PIPELINES) {
      progress(`${variant}, ${of} x ${plan.pipelinePasses} passes`);
      pipelineRuns.get(variant)?.push(runChild(job(variant, plan.pipelinePasses)));
    }
  }
  const ort = merge(ortRuns);
  const ortTiming = timing(ort.passes.map((p) => p.ms), n, ort.peakRssMB);
  const torchTiming = timing(torchRuns.flatMap((run) => run.seconds.map((s) => s * 1000)), n, Math.max(...torchRuns.map((run) => run.peakRssMB)));

  const pipelines = PIPELINES.map((variant) => {
    const result = merge(pipelineRuns.get(variant) ?? []);
    const stage = (key: keyof PassTiming): number => Math.min(...result.passes.map((p) => p[key])) / n;
    const stages = { inference: stage('inferenceMs'), scoring: stage('scoringMs'), dump: stage('dumpMs'), load: stage('loadMs') };
    const added = stages.scoring + stages.dump + stages.load;
    return {
      variant,
      ...timing(result.passes.map((p) => p.ms), n, result.peakRssMB),
      stagesMsPerImage: stages,
      addedMsPerImage: added,
      addedOverInference: added / stages.inference,
      npyMBPerImage: result.npyBytes / n / 1e6,
      superpixelsPerPass: result.superpixels,
    };
  });
  const inferenceRate = pipelines[0].imagesPerSecond;
  const rows: PipelineRow[] = pipelines.map((row) => ({ ...row, vsInference: row.imagesPerSecond / inferenceRate }));
  const rate = (variant: Variant): number => rows.find((row) => row.variant === variant)?.imagesPerSecond ?? NaN;
  return {
    model: model.name, description: model.description, parameters: model.parameters, classes: model.classes, height: model.height, width: model.width,
    images: n, rounds: plan.rounds, passes: plan.rounds * plan.passes, pipelinePasses: plan.rounds * plan.pipelinePasses,
    build: { cached: model.cached, seconds: model.buildSeconds },
    ort: { ...ortTiming, provider: ort.provider, threads: options.threads, sessionMs: median(ortRuns.map((run) => run.sessionMs)) },
    torch: { ...torchTiming, device: torchRuns[0].device, threads: torchRuns[0].threads, version: torchRuns[0].torch ?? 'unknown' },
    ortOverTorch: ortTiming.imagesPerSecond / torchTiming.imagesPerSecond,
    pipelines: rows,
    fusedOverSeparate: rate('fused') / rate('separate'),
  };
}

const fixed = (value: number | null, digits = 1): string => (value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits));

function printTable(header: string[], lines: string[][], leftColumns: number): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

function printResults(results: readonly InferenceModelResult[]): void {
  console.log('onnxruntime-node vs PyTorch eager: same weights, same images, batch 1, best pass; timed from the decoded image to the soft labels');
  printTable(
    ['model', 'params', 'input', 'img x passes', 'threads', 'ORT on', 'ORT ms/img', 'ORT img/s', 'torch on', 'torch ms/img', 'torch img/s', 'ORT/torch', 'goal >=1', 'ORT RSS MB', 'torch RSS MB'],
    results.map((r) => [
      r.model, r.parameters === null ? '-' : `${(r.parameters / 1e6).toFixed(1)}M`, `${r.classes}x${r.height}x${r.width}`, `${r.images}x${r.passes}`, String(r.ort.threads),
      r.ort.provider, fixed(r.ort.msPerImageBest), fixed(r.ort.imagesPerSecond, 2), r.torch.device, fixed(r.torch.msPerImageBest), fixed(r.torch.imagesPerSecond, 2),
      `${r.ortOverTorch.toFixed(2)}x`, r.ortOverTorch >= 1 ? 'met' : 'MISSED', fixed(r.ort.peakRssMB, 0), fixed(r.torch.peakRssMB, 0),
    ]),
    2,
  );
  console.log('');
  console.log('Pipelines through onnxruntime, from PNG files: inference only; fused inference + scoring; .npy dump, then separate scoring');
  console.log('img/s, ms/img, vs infer: wall time of the best pass; stage columns: ms per image, each the best of the passes; added = score + dump + load');
  printTable(
    ['model', 'variant', 'img/s', 'ms/img', 'vs infer', 'infer ms', 'score ms', 'dump ms', 'load ms', 'added ms', 'added %', 'npy MB/img', 'RSS MB'],
    results.flatMap((r) =>
      r.pipelines.map((p) => [
        r.model, p.variant, fixed(p.imagesPerSecond, 2), fixed(p.msPerImageBest), `${p.vsInference.toFixed(2)}x`, fixed(p.stagesMsPerImage.inference),
        p.variant === 'inference' ? '-' : fixed(p.stagesMsPerImage.scoring), p.variant === 'separate' ? fixed(p.stagesMsPerImage.dump) : '-',
        p.variant === 'separate' ? fixed(p.stagesMsPerImage.load) : '-', fixed(p.addedMsPerImage), `${(p.addedOverInference * 100).toFixed(1)}%`,
        p.variant === 'separate' ? fixed(p.npyMBPerImage, 2) : '-', fixed(p.peakRssMB, 0),
      ]),
    ),
    2,
  );
  for (const r of results) {
    const added = (variant: Variant): number => r.pipelines.find((p) => p.variant === variant)?.addedMsPerImage ?? NaN;
    console.log(
      `${r.model}: fused scoring adds ${fixed(added('fused'))} ms/img to inference, the .npy round trip + scoring ${fixed(added('separate'))} ms/img; ` +
        `wall throughput fused / separate ${r.fusedOverSeparate.toFixed(2)}x`,
    );
  }
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function choice<T extends string>(args: string[], name: string, allowed: readonly T[], fallback: T): T {
  const value = option(args, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export async function runInferenceBenchmark(args: string[]): Promise<void> {
  const started = performance.now();
  const quick = args.includes('--quick');
  const fresh = args.includes('--fresh');
  const jsonFile = option(args, '--json');
  const threadsArg = option(args, '--threads');
  const threads = threadsArg === undefined ? availableParallelism() : Number(threadsArg);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got "${threadsArg}"`);
  const provider = choice<ExecutionProvider>(args, '--provider', ['cpu', 'cuda'], 'cpu');
  const mode = choice<Mode>(args, '--mode', ['alc', 'a2lc'], 'alc');
  const only = option(args, '--model');
  const names: ModelName[] = only === undefined ? ['tiny', 'paper'] : [choice<ModelName>(args, '--model', ['tiny', 'paper'], 'tiny')];
  const plan = quick ? QUICK : FULL;
  const loadStart = loadavg()[0];
  const scratch = mkdtempSync(path.join(tmpdir(), 'alc-bench-infer-'));
  const notes: string[] = [];
  const results: InferenceModelResult[] = [];
  try {
    console.error(`models: ${names.join(', ')} (${fresh ? 'fresh build' : 'cached under .alc/bench/inference/ when built before'})`);
    const models = await prepareModels(names, { fresh, scratch });
    for (const model of models) console.error(`${model.name}: ${model.cached ? 'cached' : `built in ${model.buildSeconds.toFixed(1)} s`} (${model.description})`);
    for (const model of models) results.push(measureModel(model, plan[model.name], { threads, provider, mode, scratch, notes }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const loadEnd = loadavg()[0];
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ${threads} intra-op threads for onnxruntime and torch; scoring mode ${mode}; load average ${loadStart.toFixed(2)} -> ${loadEnd.toFixed(2)}`);
  for (const note of notes) console.log(`note: ${note}`);
  if (Math.max(loadStart, loadEnd) > availableParallelism() / 2) {
    // Seen here: with other processes on the 2 cores, 2 threads ran slower than 1 for both
    // runtimes, and PyTorch's OpenMP far more so, which inflates the ratio.
    console.log(`note: the machine is busy (load average above ${availableParallelism() / 2}): multi-threaded times suffer, PyTorch's most; compare with --threads 1`);
  }
  printResults(results);
  console.log(`${seconds.toFixed(0)} s in all (model builds included: ${results.filter((r) => !r.build.cached).map((r) => `${r.model} ${r.build.seconds.toFixed(0)} s`).join(', ') || 'none, cached'})`);
  if (jsonFile !== undefined) {
    const onnxruntime = (JSON.parse(readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
    const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version, onnxruntime, loadAverage: { start: loadStart, end: loadEnd } };
    const settings = { threads, provider, mode, batch: 1, plan };
    writeFileSync(jsonFile, JSON.stringify({ benchmark: 'inference', quick, machine, settings, notes, seconds, models: results }, null, 2) + '\n');
  }
}
