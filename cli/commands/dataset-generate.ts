import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { progressOnStderr } from '../progress.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { openLocation } from '../../storage/open-location.js';
import { printJson, printLines } from '../output.js';

interface GenerateCommandOptions {
  out: string;
  images: number;
  seed: number;
  name?: string;
  width?: number;
  height?: number;
  classes?: number;
  targetMiou?: number;
  valFraction?: number;
  concurrency?: number;
  json?: boolean;
}

function parseNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InputError(`expected a number, got "${value}"`);
  return number;
}

function parseInteger(value: string): number {
  const number = parseNumber(value);
  if (!Number.isInteger(number)) throw new InputError(`expected a whole number, got "${value}"`);
  return number;
}

/**
 * The manifest's creation time: SOURCE_DATE_EPOCH (seconds, the reproducible-builds convention)
 * when set, so that two runs can give byte-identical datasets; else now.
 */
function creationTime(): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return new Date();
  const seconds = Number(epoch);
  if (!Number.isInteger(seconds) || seconds < 0) throw new InputError(`SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "${epoch}"`);
  return new Date(seconds * 1000);
}

/** Adds `generate` to the `dataset` command group. */
export function registerDatasetGenerateCommand(dataset: Command): void {
  dataset
    .command('generate')
    .description(
      'write a deterministic synthetic dataset in the alc layout: textured objects, ground truth, ' +
        'foundation-model-like pseudo labels calibrated to a target data mIoU, SAM-like superpixels, a train/val split',
    )
    .requiredOption('--out <location>', 'destination: local directory or s3://bucket/prefix')
    .requiredOption('--images <n>', 'number of images, 10..100000', parseInteger)
    .requiredOption('--seed <n>', 'random seed, a whole number >= 0; the same options and seed give the same files', parseInteger)
    .option('--name <name>', 'dataset name in the manifest (default "synthetic")')
    .option('--width <px>', 'image width (default 128)', parseInteger)
    .option('--height <px>', 'image height (default 96)', parseInteger)
    .option('--classes <k>', 'number of classes including background, 2..21 (default 6)', parseInteger)
    .option('--target-miou <x>', 'data mIoU of the pseudo labels against ground truth on train, 0.2..1 (default 0.6)', parseNumber)
    .option('--val-fraction <f>', 'fraction of images in the validation split, 0..0.9 (default 0.2)', parseNumber)
    .option('--concurrency <n>', 'images rendered and written at once (default 4)', parseInteger)
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nSet SOURCE_DATE_EPOCH to fix the manifest\'s createdAt, for byte-identical reruns.')
    .action(async (options: GenerateCommandOptions) => {
      const to = await openLocation(options.out);
      const started = performance.now();
      const summary = await generateSyntheticDataset(
        {
          images: options.images,
          seed: options.seed,
          name: options.name,
          width: options.width,
          height: options.height,
          classes: options.classes,
          targetMiou: options.targetMiou,
          valFraction: options.valFraction,
        },
        to,
        progressOnStderr('generate', 'images'),
        { concurrency: options.concurrency, createdAt: creationTime() },
      );
      const seconds = (performance.now() - started) / 1000;
      if (options.json) {
        printJson({ ...summary, seconds });
        return;
      }
      printLines(
        `Generated ${summary.images} images (${summary.train} train, ${summary.val} val), ${summary.classes} classes, ` +
          `${summary.width}x${summary.height}, seed ${summary.seed}: ${summary.manifest}`,
        `Initial data mIoU of the pseudo labels on train: ${summary.initialDataMiou.toFixed(3)} ` +
          `(target ${summary.targetMiou.toFixed(3)}, noise scale ${summary.noiseScale.toFixed(3)})`,
        `${seconds.toFixed(1)} s, ${(summary.images / seconds).toFixed(0)} images/s`,
      );
    });
}
