import type { Command } from 'commander';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import { oracleAnswers, type OracleAnswer } from '../../engine/oracle.js';
import { ScoringWorkspace, scoreImage } from '../../engine/score-image.js';
import { openLocation } from '../../storage/open-location.js';
import { ScoringInputs, checkClassIds, checkSameSize, readLabelMap } from '../engine-inputs.js';
import { writeFileArgument } from '../file-argument.js';
import { encodeJsonl } from '../../common/jsonl.js';
import { printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';
import { readQuestions, recordsByImage, requireAskableSuperpixels, requireKnownImages } from '../superpixel-files.js';
import { addScoringInputOptions, integerParser, parseFraction, type ScoringInputOptions } from './engine-options.js';

interface OracleCommandOptions extends ScoringInputOptions {
  selected: string;
  gt: string;
  errorRate: number;
  seed: number;
  out: string;
  json?: boolean;
}

/** Adds `oracle`: the papers' simulated annotator, answering the selected questions from the ground truth. */
export function registerOracleCommand(program: Command): void {
  addScoringInputOptions(program.command('oracle').description('answer selected superpixels from the ground truth, as the simulated annotator of the papers'))
    .requiredOption('--selected <file>', 'questions: selected.jsonl of acquire (any JSONL of {"image","superpixel"})')
    .requiredOption('--gt <location>', 'ground truth <id>.png (255 = void)')
    .option('--error-rate <p>', 'probability of a wrong answer (a uniformly drawn wrong class)', parseFraction, 0)
    .option('--seed <n>', 'seed of the wrong answers', integerParser(0), 0)
    .requiredOption('--out <file>', 'answers JSONL: {"image","superpixel","answer":"correct"|"relabel","class"?}, in question order')
    .option('--json', 'print a summary as JSON')
    .action(async (options: OracleCommandOptions) => {
      const { mode, tau, errorRate, seed } = options;
      const questions = await readQuestions(options.selected);
      const [inputs, groundTruth] = await Promise.all([ScoringInputs.open(options), openLocation(options.gt)]);
      requireKnownImages(questions, await inputs.ids(undefined), `the .npy files of ${inputs.softLabels.describe('')}`);

      // E is recomputed from P for the asked images. Scoring is synchronous, so the images loading
      // concurrently can share one workspace.
      const workspace = new ScoringWorkspace();
      const answered: { line: number; answer: OracleAnswer }[] = [];
      const byImage = [...recordsByImage(questions)];
      const progress = progressOnStderr('oracle', 'images');
      let done = 0;
      await forEachConcurrently(byImage, DEFAULT_ITEM_CONCURRENCY, async ([image, records]) => {
        const [{ files, input }, truth] = await Promise.all([inputs.load(image), readLabelMap(groundTruth, image)]);
        checkSameSize({ file: files.softLabels, height: input.height, width: input.width }, truth);
        checkClassIds(truth, 'ground truth', input.classes, files.softLabels);
        const expansion = new Int32Array(input.height * input.width);
        const scores = scoreImage(input, { mode, tau, image: files.softLabels, expansionOut: expansion }, workspace);
        requireAskableSuperpixels(questions.file, records, scores, files, { mode, tau });
        const superpixels = records.map((record) => record.value.superpixel);
        oracleAnswers(image, input.labels, truth.data, scores, expansion, superpixels, { mode, tau, errorRate, seed }).forEach((answer, j) =>
          answered.push({ line: records[j].line, answer }),
        );
        progress({ done: ++done, total: byImage.length });
      });

      const answers = answered.sort((a, b) => a.line - b.line).map(({ answer }) => answer);
      const file = await writeFileArgument(options.out, encodeJsonl(answers));
      const relabel = answers.filter((a) => a.answer === 'relabel').length;
      const summary = { questions: answers.length, images: byImage.length, correct: answers.length - relabel, relabel, answersFile: file };
      if (options.json) printJson(summary);
      else printLines(`Answered ${answers.length} questions on ${byImage.length} images: ${summary.correct} correct, ${relabel} relabel; wrote ${file}`);
    });
}
