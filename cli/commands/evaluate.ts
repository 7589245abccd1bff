import type { Command } from 'commander';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import { ConfusionMatrix, segmentationMetrics } from '../../engine/metrics.js';
import { openLocation } from '../../storage/open-location.js';
import { checkClassIds, checkSameSize, imageIds, readLabelMap } from '../engine-inputs.js';
import { writeFileArgument } from '../file-argument.js';
import { formatTable, printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';
import { resolveClassList } from './engine-options.js';

interface EvaluateCommandOptions {
  labels: string;
  gt: string;
  classes: string;
  images?: string;
  out: string;
  json?: boolean;
}

function percent(value: number | null): string {
  return value === null ? '-' : (100 * value).toFixed(2);
}

/** Adds `evaluate`: data mIoU (or model mIoU, given predictions) of label maps against the ground truth. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('compare label maps (working labels or predictions) with the ground truth: accuracies and IoU')
    .requiredOption('--labels <location>', 'label maps <id>.png (255 = unknown, a miss)')
    .requiredOption('--gt <location>', 'ground truth <id>.png (255 = void, not counted)')
    .requiredOption('--classes <classes>', 'class list: classes.json, a number of classes (named by id), voc, cityscapes or kvasir')
    .option('--images <file>', 'image ids, one per line (default: every .png of --labels)')
    .requiredOption('--out <file>', 'metrics JSON: {"overallAcc","meanAcc","freqWAcc","meanIoU","classIoU"}')
    .option('--json', 'print a summary as JSON instead of tables')
    .action(async (options: EvaluateCommandOptions) => {
      const [labels, groundTruth, classList] = await Promise.all([openLocation(options.labels), openLocation(options.gt), resolveClassList(options.classes)]);
      const ids = await imageIds(options.images, labels, '.png');
      const matrix = new ConfusionMatrix(classList.count);
      const progress = progressOnStderr('evaluate', 'images');
      let done = 0;
      await forEachConcurrently(ids, DEFAULT_ITEM_CONCURRENCY, async (id) => {
        const [label, truth] = await Promise.all([readLabelMap(labels, id), readLabelMap(groundTruth, id)]);
        checkSameSize(label, truth);
        checkClassIds(label, 'label', classList.count, classList.source);
        checkClassIds(truth, 'ground truth', classList.count, classList.source);
        matrix.add(label.data, truth.data, id, label.width);
        progress({ done: ++done, total: ids.length });
      });

      const metrics = segmentationMetrics(matrix);
      const file = await writeFileArgument(options.out, `${JSON.stringify(metrics, null, 2)}\n`);
      if (options.json) {
        printJson({ images: ids.length, classes: classList.count, metricsFile: file, ...metrics });
        return;
      }
      printLines(
        formatTable(
          ['class', 'IoU %'],
          classList.names.map((name, c) => [name, percent(metrics.classIoU[c])]),
        ),
        '',
        formatTable(
          ['metric', '%'],
          [
            ['mean IoU', percent(metrics.meanIoU)],
            ['overall accuracy', percent(metrics.overallAcc)],
            ['mean accuracy', percent(metrics.meanAcc)],
            ['frequency-weighted IoU', percent(metrics.freqWAcc)],
          ],
        ),
        '',
        `${ids.length} image${ids.length === 1 ? '' : 's'}; wrote ${file}`,
      );
    });
}
