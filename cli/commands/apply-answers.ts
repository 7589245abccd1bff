import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import { encodeLabelPng } from '../../datasets/png.js';
import { applyAnswers, type LabelChange } from '../../engine/apply-answers.js';
import { ScoringWorkspace, scoreImage } from '../../engine/score-image.js';
import { openLocation } from '../../storage/open-location.js';
import { ScoringInputs } from '../engine-inputs.js';
import { encodeJsonl } from '../../common/jsonl.js';
import { printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';
import { readAnswers, recordsByImage, requireAskableSuperpixels, requireKnownImages } from '../superpixel-files.js';
import { addScoringInputOptions, resolveClassList, type ScoringInputOptions } from './engine-options.js';

interface ApplyAnswersCommandOptions extends ScoringInputOptions {
  answers: string;
  out: string;
  images?: string;
  classes?: string;
  json?: boolean;
}

/** Adds `apply-answers`: expand each `relabel k` answer over its superpixel's E and write the new labels. */
export function registerApplyAnswersCommand(program: Command): void {
  addScoringInputOptions(program.command('apply-answers').description('apply answers by expansion (relabel k sets E to k) and write every image\'s labels'))
    .requiredOption('--answers <file>', 'answers JSONL: {"image","superpixel","answer":"correct"|"relabel"|"skip","class"?}')
    .requiredOption('--out <location>', 'output directory: <id>.png for every image (changed or not) and changes.jsonl')
    .option('--images <file>', 'image ids, one per line (default: every .npy of --soft-labels)')
    .option('--classes <classes>', 'colour changed label PNGs with this class list: classes.json, N, voc, cityscapes or kvasir (default: grey)')
    .option('--json', 'print a summary as JSON')
    .action(async (options: ApplyAnswersCommandOptions) => {
      const { mode, tau } = options;
      const answers = await readAnswers(options.answers);
      const [inputs, out, classList] = await Promise.all([
        ScoringInputs.open(options),
        openLocation(options.out),
        options.classes === undefined ? undefined : resolveClassList(options.classes),
      ]);
      const ids = await inputs.ids(options.images);
      requireKnownImages(answers, ids, options.images === undefined ? `the .npy files of ${inputs.softLabels.describe('')}` : `--images ${options.images}`);
      const byImage = recordsByImage(answers);

      // Scoring is synchronous, so the images loading concurrently can share one workspace.
      const workspace = new ScoringWorkspace();
      const changesOf = new Array<LabelChange[]>(ids.length);
      const progress = progressOnStderr('apply-answers', 'images');
      let done = 0;
      await forEachConcurrently(ids, DEFAULT_ITEM_CONCURRENCY, async (id, i) => {
        const records = byImage.get(id) ?? [];
        changesOf[i] = [];
        let png: Uint8Array | undefined;
        if (records.length > 0) {
          const { files, input } = await inputs.load(id);
          if (classList !== undefined && classList.count !== input.classes) {
            throw new InputError(`${files.softLabels} has ${input.classes} classes but ${classList.source} has ${classList.count}`);
          }
          const expansion = new Int32Array(input.height * input.width);
          const scores = scoreImage(input, { mode, tau, image: files.softLabels, expansionOut: expansion }, workspace);
          requireAskableSuperpixels(answers.file, records, scores, files, { mode, tau });
          const applied = applyAnswers(id, input.labels, scores, expansion, records.map((record) => record.value), { tau, source: answers.file });
          changesOf[i] = applied.changes;
          if (applied.changes.some((change) => change.changed > 0)) {
            png = await encodeLabelPng({ width: input.width, height: input.height, data: applied.labels }, classList?.classes);
          }
        }
        // Unchanged label maps are copied byte for byte, palette and all.
        await out.write(`${id}.png`, png ?? (await inputs.labels.read(`${id}.png`)));
        progress({ done: ++done, total: ids.length });
      });

      const changes = changesOf.flat();
      await out.write('changes.jsonl', encodeJsonl(changes));
      const summary = {
        images: ids.length,
        answers: answers.records.length,
        relabelled: changes.length,
        changedPixels: changes.reduce((sum, change) => sum + change.changed, 0),
        labels: out.describe(''),
        changesFile: out.describe('changes.jsonl'),
      };
      if (options.json) printJson(summary);
      else {
        printLines(
          `Applied ${summary.answers} answers: ${summary.relabelled} relabelled superpixels, ${summary.changedPixels} pixels changed`,
          `Wrote ${ids.length} label maps to ${summary.labels} and ${summary.changesFile}`,
        );
      }
    });
}
