import type { Command } from 'commander';
import { Option } from 'commander';
import { loadConnectionConfig } from '../../configs/load.js';
import { encodeFloat32Npy } from '../../engine/npy.js';
import type { Mode } from '../../engine/types.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { evaluateWithModel } from '../../inference/evaluate-with-model.js';
import { scoreWithModel } from '../../inference/score-with-model.js';
import { SegmentationModel } from '../../inference/segmentation-model.js';
import { openLocation } from '../../storage/open-location.js';
import { formatTable, printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';

interface InferOptions {
  model: string;
  dataset: string;
  labels?: string;
  split: 'train' | 'val';
  out?: string;
  mode: Mode;
  tau: number;
  dumpSoftLabels?: string;
  evaluate?: boolean;
  provider?: 'cpu' | 'cuda';
  json?: boolean;
}

export function registerInferCommand(program: Command): void {
  program
    .command('infer')
    .description('run a trained model over a split through onnxruntime (the activities\' path): superpixel scores, optional soft-label dump, model mIoU')
    .requiredOption('--model <location>', 'directory or s3:// prefix holding the trainer\'s model.onnx and metrics.json')
    .requiredOption('--dataset <location>', 'dataset in the alc layout (its manifest.json)')
    .option('--labels <location>', 'working labels <id>.png (default: the pseudo labels)')
    .addOption(new Option('--split <split>', 'which items').choices(['train', 'val']).default('train'))
    .option('--out <location>', 'write superpixels.jsonl here (scores of every superpixel)')
    .addOption(new Option('--mode <mode>', 'scoring mode').choices(['alc', 'a2lc']).default('alc'))
    .option('--tau <tau>', 'expansion threshold', Number.parseFloat, 0)
    .option('--dump-soft-labels <location>', 'also write each image\'s soft labels as <id>.npy (debugging)')
    .option('--evaluate', 'report model mIoU against the ground truth of the split')
    .addOption(new Option('--provider <provider>', 'execution provider (default: configuration)').choices(['cpu', 'cuda']))
    .option('--json', 'print a JSON summary')
    .action(async (options: InferOptions) => {
      const { config } = await loadConnectionConfig();
      const inference = { ...config.inference, ...(options.provider ? { provider: options.provider } : {}) };
      const [modelLocation, datasetLocation] = await Promise.all([openLocation(options.model), openLocation(options.dataset)]);
      const labels = options.labels ? await openLocation(options.labels) : undefined;
      const reader = await DatasetReader.open(datasetLocation, labels);
      const model = await SegmentationModel.load(modelLocation, inference, (message) => process.stderr.write(`note: ${message}\n`));
      const signal = new AbortController().signal;
      const summary: {
        provider: string;
        scored?: { images: number; superpixels: number; out?: string };
        evaluation?: Awaited<ReturnType<typeof evaluateWithModel>>;
      } = { provider: model.provider };
      if (options.out || options.dumpSoftLabels) {
        const out = options.out ? await openLocation(options.out) : undefined;
        const dump = options.dumpSoftLabels ? await openLocation(options.dumpSoftLabels) : undefined;
        const ids = reader.idsOf(options.split);
        const lines: string[] = [];
        await scoreWithModel(reader, model, ids, {
          mode: options.mode,
          tau: options.tau,
          batchSize: inference.batchSize,
          signal,
          onRecords: (_id, records) => {
            for (const record of records) lines.push(JSON.stringify(record));
          },
          onSoftLabels: dump ? (id, soft) => dump.write(`${id}.npy`, encodeFloat32Npy(soft.probabilities, [soft.classes, soft.height, soft.width])) : undefined,
          onProgress: progressOnStderr('infer', 'images'),
        });
        if (out) await out.write('superpixels.jsonl', lines.length > 0 ? `${lines.join('\n')}\n` : '');
        summary.scored = { images: ids.length, superpixels: lines.length, out: out?.describe('superpixels.jsonl') };
      }
      if (options.evaluate) {
        summary.evaluation = await evaluateWithModel(reader, model, options.split, { batchSize: inference.batchSize, signal, onProgress: progressOnStderr('evaluate', 'images') });
      }
      if (options.json) return printJson(summary);
      printLines(`provider: ${model.provider}`);
      if (summary.scored) printLines(`scored ${summary.scored.superpixels} superpixels of ${summary.scored.images} images${summary.scored.out ? `: ${summary.scored.out}` : ''}`);
      if (summary.evaluation) {
        const { metrics, images } = summary.evaluation;
        const names = new Map(reader.manifest.classes.map((c) => [c.id, c.name]));
        printLines(
          `model mIoU on ${images} ${options.split} images: ${metrics.meanIoU === null ? 'n/a' : (metrics.meanIoU * 100).toFixed(1)}`,
          formatTable(['class', 'IoU'], metrics.classIoU.map((iou, id) => [names.get(id) ?? String(id), iou === null ? 'n/a' : (iou * 100).toFixed(1)])),
        );
      }
    });
}
