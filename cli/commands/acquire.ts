import { Option, type Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { forEachConcurrently } from '../../datasets/concurrency.js';
import { ScorePool, type ScoringSettings } from '../../engine-parallel/score-pool.js';
import { abcScores, addUnqueriedLabelCounts, classBalancedWeights } from '../../engine/class-weights.js';
import { scoredSuperpixels, type ImageScores } from '../../engine/score-image.js';
import { queriedSetOf, selectByScore, selectRandom, type QueriedSet } from '../../engine/select.js';
import { DEFAULT_SCORE, type Strategy } from '../../engine/types.js';
import { openLocation } from '../../storage/open-location.js';
import { ScoringInputs } from '../engine-inputs.js';
import { encodeJsonl } from '../../common/jsonl.js';
import { printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';
import { readQueried } from '../superpixel-files.js';
import { addScoringInputOptions, integerParser, type ScoringInputOptions } from './engine-options.js';

const STRATEGIES: readonly Strategy[] = ['sim', 'cil', 'pixel', 'abc', 'random'];

interface AcquireCommandOptions extends ScoringInputOptions {
  out: string;
  images?: string;
  score?: Strategy;
  budget?: number;
  queried?: string;
  skipQueried: boolean;
  threads?: number;
  seed: number;
  json?: boolean;
}

/** Adds `acquire`: score every superpixel of every image and select a round's budget. */
export function registerAcquireCommand(program: Command): void {
  addScoringInputOptions(
    program.command('acquire').description('score every superpixel (look-ahead acquisition of ALC / A2LC) and select the round\'s budget'),
  )
    .requiredOption('--out <location>', 'output directory for superpixels.jsonl (every scored superpixel) and selected.jsonl (the budget, ranked)')
    .option('--images <file>', 'image ids, one per line (default: every .npy of --soft-labels)')
    .addOption(new Option('--score <score>', 'ranking score (default: sim with --mode alc, abc with --mode a2lc); random = seeded baseline').choices(STRATEGIES))
    .option('--budget <n>', 'superpixels to select (default: every candidate, a full ranking)', integerParser(0))
    .option('--queried <file>', 'JSONL of {"image","superpixel"} queried in earlier rounds (an answers file works: skipped ones do not count)')
    .option('--no-skip-queried', 'keep superpixels queried in earlier rounds among the candidates, as ALC\'s published code did')
    .option('--threads <n>', 'scoring worker threads (default: every core)', integerParser(1))
    .option('--seed <n>', 'seed of --score random', integerParser(0), 0)
    .option('--json', 'print a summary as JSON')
    .action(async (options: AcquireCommandOptions) => {
      const { mode, tau } = options;
      const score = options.score ?? DEFAULT_SCORE[mode];
      const [inputs, out] = await Promise.all([ScoringInputs.open(options), openLocation(options.out)]);
      const ids = await inputs.ids(options.images);
      const queried = queriedSetOf(options.queried === undefined ? [] : await readQueried(options.queried));

      const scored = await scoreImagesOnThreads(inputs, ids, { mode, tau }, options.threads);
      const weights = mode === 'a2lc' || score === 'abc' ? roundClassWeights(inputs, ids, scored, queried) : undefined;
      const records = ids.flatMap((id, i) => scoredSuperpixels(id, scored[i], weights && abcScores(scored[i], weights)));
      const selection = { budget: options.budget ?? records.length, queried, skipQueried: options.skipQueried };
      const selected = score === 'random' ? selectRandom(records, options.seed, selection) : selectByScore(records, score, selection);

      await Promise.all([out.write('superpixels.jsonl', encodeJsonl(records)), out.write('selected.jsonl', encodeJsonl(selected))]);
      const summary = {
        images: ids.length,
        superpixels: records.length,
        selected: selected.length,
        mode,
        score,
        tau,
        ...(weights === undefined ? {} : { classWeights: [...weights] }),
        superpixelsFile: out.describe('superpixels.jsonl'),
        selectedFile: out.describe('selected.jsonl'),
      };
      if (options.json) {
        printJson(summary);
        return;
      }
      printLines(
        `Scored ${records.length} superpixels in ${ids.length} images (--mode ${mode}, --tau ${tau}); selected ${selected.length} by ${score}`,
        `Wrote ${summary.superpixelsFile} and ${summary.selectedFile}`,
      );
    });
}

/**
 * Scores the images on worker threads and returns their scores in the order of `ids`. At most two
 * images per thread are loaded or being scored at once, so memory stays bounded however many
 * images there are; only the small per-superpixel arrays of each image are kept.
 */
async function scoreImagesOnThreads(inputs: ScoringInputs, ids: readonly string[], settings: ScoringSettings, threads: number | undefined): Promise<ImageScores[]> {
  const pool = new ScorePool(threads);
  const scored = new Array<ImageScores>(ids.length);
  const progress = progressOnStderr('acquire', 'images');
  let done = 0;
  try {
    await forEachConcurrently(ids, pool.threads * 2, async (id, i) => {
      scored[i] = await scoreOnPool(pool, inputs, id, settings);
      progress({ done: ++done, total: ids.length });
    });
  } finally {
    await pool.close();
  }
  return scored;
}

async function scoreOnPool(pool: ScorePool, inputs: ScoringInputs, id: string, settings: ScoringSettings): Promise<ImageScores> {
  const task = await inputs.scoreTask(id);
  try {
    return await pool.score(task, settings);
  } catch (error) {
    // Sizes against the soft labels and label ids against their classes need the .npy header,
    // which only the worker reads: redo those checks here, so that the message names the file at fault.
    if (error instanceof InputError) await inputs.load(id);
    throw error;
  }
}

/** A2LC's class weights over the superpixels not queried in earlier rounds, after checking that every image has the same classes. */
function roundClassWeights(inputs: ScoringInputs, ids: readonly string[], scored: readonly ImageScores[], queried: QueriedSet): Float64Array {
  const { classes } = scored[0];
  const totals = new Float64Array(classes);
  scored.forEach((scores, i) => {
    if (scores.classes !== classes) {
      throw new InputError(`${inputs.files(ids[i]).softLabels} has ${scores.classes} classes but ${inputs.files(ids[0]).softLabels} has ${classes}`);
    }
    addUnqueriedLabelCounts(totals, scores, queried.get(ids[i]));
  });
  return classBalancedWeights(totals);
}
