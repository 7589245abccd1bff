/**
 * The models and inputs of the inference benchmark, built once and cached under
 * `.alc/bench/inference/` (git-ignored) by a key over everything that determines them: the
 * trainer's sources and pinned requirements, the export script, this file's recipe. A changed key
 * rebuilds (and removes the stale build); `--fresh` rebuilds into a temporary directory.
 *
 * - `tiny`: a real model, trained by the reference trainer (`python -m trainer`) for 2 epochs on a
 *   synthetic dataset of 20 images of 128 x 96, 6 classes; timed on those 20 images.
 * - `paper`: ResNet-101 DeepLabV3+, output stride 16, randomly initialised with a fixed seed
 *   (bench/reference/export_untrained.py: weights do not change its speed; training it on a CPU
 *   would take hours), 21 classes; timed on PASCAL-sized synthetic images (500 x 375, 21 classes).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSyntheticDataset } from '../datasets/synthetic/generate.js';
import { LocalDirLocation } from '../storage/local-location.js';

const root = path.resolve(import.meta.dirname, '..');
const python = path.join(root, '.venv/bin/python');
export const CACHE_DIR = path.join(root, '.alc/bench/inference');

export type ModelName = 'tiny' | 'paper';

interface Recipe {
  readonly name: ModelName;
  readonly description: string;
  readonly dataset: { readonly images: number; readonly seed: number; readonly width: number; readonly height: number; readonly classes: number };
  readonly build: { readonly kind: 'train'; readonly epochs: number; readonly seed: number } | { readonly kind: 'untrained'; readonly seed: number };
}

export const RECIPES: Readonly<Record<ModelName, Recipe>> = {
  tiny: {
    name: 'tiny',
    description: 'trained 2 epochs on 20 synthetic 128x96 images',
    dataset: { images: 20, seed: 1, width: 128, height: 96, classes: 6 },
    build: { kind: 'train', epochs: 2, seed: 0 },
  },
  paper: {
    name: 'paper',
    description: 'ResNet-101, untrained (seed 0): timing only',
    // The generator's minimum is 10 images; the benchmark times a few of them.
    dataset: { images: 10, seed: 1, width: 500, height: 375, classes: 21 },
    build: { kind: 'untrained', seed: 0 },
  },
};

/** One image of the benchmark with the maps scoring reads: the paths of its PNG files. */
export interface BenchItem {
  readonly id: string;
  readonly image: string;
  readonly labels: string;
  readonly superpixels: string;
}

export interface BuiltModel {
  readonly name: ModelName;
  readonly description: string;
  /** `model.onnx`, `metrics.json`, `checkpoint.pt`. */
  readonly modelDir: string;
  readonly classes: number;
  readonly width: number;
  readonly height: number;
  readonly parameters: number | null;
  readonly items: readonly BenchItem[];
  /** Seconds spent building now; 0 when the cache had it. */
  readonly buildSeconds: number;
  readonly cached: boolean;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.py'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Everything a build depends on: a change to any of it makes a new cache entry. */
function cacheKey(recipe: Recipe): string {
  const hash = createHash('sha256').update(JSON.stringify(recipe));
  const inputs = [
    ...listFiles(path.join(root, 'trainer')).filter((file) => !file.includes(`${path.sep}tests${path.sep}`)),
    path.join(root, 'trainer/requirements.txt'),
    path.join(root, 'bench/reference/export_untrained.py'),
    path.join(root, 'datasets/synthetic/generate.ts'),
  ];
  for (const file of inputs) hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function runPython(args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: root, env: { ...process.env, PYTHONPATH: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const text = Buffer.concat(output).toString('utf8');
      writeFileSync(log, text);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(args[0] === '-m' ? args[1] : args[0])} failed (${signal ?? `exit ${code}`}); last output:\n${text.split('\n').slice(-15).join('\n')}`));
    });
  });
}

async function build(recipe: Recipe, dir: string): Promise<void> {
  const datasetDir = path.join(dir, 'dataset');
  const modelDir = path.join(dir, 'model');
  await generateSyntheticDataset({ ...recipe.dataset }, new LocalDirLocation(datasetDir));
  if (recipe.build.kind === 'train') {
    const spec = {
      version: 1,
      kind: 'segmentation',
      seed: recipe.build.seed,
      outputDir: modelDir,
      device: 'cpu',
      dataset: { root: datasetDir },
      split: 'train',
      model: { config: recipe.name },
      hyperparameters: { epochs: recipe.build.epochs },
    };
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec, null, 2));
    await runPython(['-m', 'trainer', '--spec', path.join(dir, 'spec.json')], path.join(dir, 'build.log'));
  } else {
    const args = [path.join(root, 'bench/reference/export_untrained.py'), modelDir, '--config', recipe.name, '--classes', String(recipe.dataset.classes), '--seed', String(recipe.build.seed)];
    await runPython(args, path.join(dir, 'build.log'));
  }
}

function describe(recipe: Recipe, dir: string, buildSeconds: number, cached: boolean): BuiltModel {
  const datasetDir = path.join(dir, 'dataset');
  const manifest = JSON.parse(readFileSync(path.join(datasetDir, 'manifest.json'), 'utf8')) as {
    items: Array<{ id: string; image: string; pseudoLabel: string; superpixels: string }>;
  };
  const metrics = JSON.parse(readFileSync(path.join(dir, 'model/metrics.json'), 'utf8')) as { model?: { parameters?: number } };
  return {
    name: recipe.name,
    description: recipe.description,
    modelDir: path.join(dir, 'model'),
    classes: recipe.dataset.classes,
    width: recipe.dataset.width,
    height: recipe.dataset.height,
    parameters: metrics.model?.parameters ?? null,
    // The working labels L of the benchmark are the pseudo labels, as in round 1.
    items: manifest.items.map((item) => ({
      id: item.id,
      image: path.join(datasetDir, item.image),
      labels: path.join(datasetDir, item.pseudoLabel),
      superpixels: path.join(datasetDir, item.superpixels),
    })),
    buildSeconds,
    cached,
  };
}

/**
 * The named models, from the cache or built now (concurrently: the trainer and the exporter are
 * mostly single-threaded Python). `scratch` is where a `fresh` build goes.
 */
export async function prepareModels(names: readonly ModelName[], options: { fresh: boolean; scratch: string }): Promise<BuiltModel[]> {
  if (!existsSync(python)) throw new Error(`${python} missing: run npm run setup (the benchmark needs the trainer's virtual environment)`);
  return Promise.all(
    names.map(async (name) => {
      const recipe = RECIPES[name];
      const dir = options.fresh ? path.join(options.scratch, `models-${name}`) : path.join(CACHE_DIR, `${name}-${cacheKey(recipe)}`);
      const ready = path.join(dir, 'ready.json');
      if (!options.fresh && existsSync(ready)) return describe(recipe, dir, 0, true);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const start = performance.now();
      await build(recipe, dir);
      const seconds = (performance.now() - start) / 1000;
      writeFileSync(ready, JSON.stringify({ recipe, seconds }) + '\n');
      if (!options.fresh) {
        // One build per model is kept: older keys are stale (the paper model is ~470 MB).
        for (const entry of readdirSync(CACHE_DIR)) {
          if (entry.startsWith(`${name}-`) && path.join(CACHE_DIR, entry) !== dir) rmSync(path.join(CACHE_DIR, entry), { recursive: true, force: true });
        }
      }
      return describe(recipe, dir, seconds, false);
    }),
  );
}
