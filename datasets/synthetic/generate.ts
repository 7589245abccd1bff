import sharp from 'sharp';
import { InputError } from '../../common/errors.js';
import { formatZodIssues } from '../../common/zod-errors.js';
import type { Location } from '../../storage/location.js';
import { forEachConcurrently } from '../concurrency.js';
import { MANIFEST_NAME, type ClassDef, type DatasetManifest } from '../manifest.js';
import { writeManifest } from '../manifest-file.js';
import { encodeLabelPng, encodeSuperpixelPng } from '../png.js';
import type { OnProgress } from '../progress.js';
import { calibrateNoiseScale, calibrationSampleSize } from './calibrate.js';
import { syntheticClassDefs } from './classes.js';
import { LabelConfusion } from './confusion.js';
import { SyntheticDatasetOptionsSchema, type SyntheticDatasetOptions, type SyntheticDatasetOptionsInput } from './options.js';
import { itemOf, splitList } from './layout.js';
import { designDataset, ImageCanvas, renderSyntheticImage } from './render.js';

/** Bump when a change to the generator changes its output for the same options. */
export const SYNTHETIC_GENERATOR_VERSION = 1;
export const DEFAULT_GENERATION_CONCURRENCY = 4;

export interface GenerationRun {
  /** Images rendered and written at once; each holds one set of rasters. */
  concurrency?: number;
  /** The manifest's `provenance.createdAt`, the one value not fixed by the options; default now. */
  createdAt?: Date;
}

export interface SyntheticDatasetSummary {
  name: string;
  images: number;
  train: number;
  val: number;
  classes: number;
  width: number;
  height: number;
  seed: number;
  targetMiou: number;
  /** Noise scale chosen by calibration so that the pseudo labels reach the target mIoU. */
  noiseScale: number;
  /** Measured data mIoU of the pseudo labels against ground truth over the whole train split. */
  initialDataMiou: number;
  manifest: string;
}

export function parseSyntheticOptions(input: SyntheticDatasetOptionsInput): SyntheticDatasetOptions {
  const parsed = SyntheticDatasetOptionsSchema.safeParse(input);
  if (!parsed.success) throw new InputError(`invalid synthetic dataset options:\n${formatZodIssues('options', parsed.error)}`);
  return parsed.data;
}

interface EncodedImage {
  image: Uint8Array;
  pseudoLabels: Uint8Array;
  superpixels: Uint8Array;
  groundTruth: Uint8Array;
}

async function encodeCanvas(canvas: ImageCanvas, classes: readonly ClassDef[]): Promise<EncodedImage> {
  const { width, height } = canvas;
  const rgb = Buffer.from(canvas.rgb.buffer, canvas.rgb.byteOffset, canvas.rgb.byteLength);
  const [image, pseudoLabels, superpixels, groundTruth] = await Promise.all([
    sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer(),
    encodeLabelPng({ width, height, data: canvas.pseudoLabels }, classes),
    encodeSuperpixelPng({ width, height, data: canvas.superpixels }),
    encodeLabelPng({ width, height, data: canvas.groundTruth }, classes),
  ]);
  return { image, pseudoLabels, superpixels, groundTruth };
}

/**
 * Generates a synthetic dataset in the `alc` layout into `to`: images, pseudo labels, superpixels,
 * ground truth, split lists, classes.json, and last the manifest, which publishes it. The same
 * options give byte-identical files (the manifest's createdAt aside, see {@link GenerationRun}).
 * Memory stays bounded whatever the image count: at most `concurrency` images exist at a time.
 */
export async function generateSyntheticDataset(
  input: SyntheticDatasetOptionsInput,
  to: Location,
  onProgress?: OnProgress,
  run: GenerationRun = {},
): Promise<SyntheticDatasetSummary> {
  const options = parseSyntheticOptions(input);
  const concurrency = run.concurrency ?? DEFAULT_GENERATION_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError(`concurrency: expected a whole number >= 1, got ${concurrency}`);
  const design = designDataset(options);
  const classes = syntheticClassDefs(options.classes);
  const valCount = Math.round(options.images * options.valFraction);
  const items = Array.from({ length: options.images }, (_, index) => itemOf(index, options.images, valCount));
  const trainIndices = items.flatMap((item, index) => (item.split === 'train' ? [index] : []));
  const calibration = calibrateNoiseScale(design, trainIndices.slice(0, calibrationSampleSize(design, trainIndices.length)));

  const trainConfusion = new LabelConfusion(options.classes);
  const idleCanvases: ImageCanvas[] = [];
  let done = 0;
  await forEachConcurrently(items, concurrency, async (item, index) => {
    const canvas = idleCanvases.pop() ?? new ImageCanvas(options.width, options.height);
    let files: EncodedImage;
    try {
      renderSyntheticImage(design, index, calibration.noiseScale, canvas);
      if (item.split === 'train') trainConfusion.add(canvas.groundTruth, canvas.pseudoLabels);
      files = await encodeCanvas(canvas, classes);
    } finally {
      // Free once encoded: the writes below may take long on a remote location.
      idleCanvases.push(canvas);
    }
    await Promise.all([
      to.write(item.image, files.image),
      to.write(item.pseudoLabel, files.pseudoLabels),
      to.write(item.superpixels, files.superpixels),
      to.write(item.groundTruth, files.groundTruth),
    ]);
    onProgress?.({ done: ++done, total: options.images });
  });

  const initialDataMiou = trainConfusion.meanIou();
  await to.write('classes.json', `${JSON.stringify(classes, null, 2)}\n`);
  await to.write('splits/train.txt', splitList(items, 'train'));
  await to.write('splits/val.txt', splitList(items, 'val'));
  const manifest: DatasetManifest = {
    version: 1,
    name: options.name,
    classes,
    items,
    provenance: {
      importer: 'synthetic',
      source:
        `alc synthetic generator v${SYNTHETIC_GENERATOR_VERSION} ${JSON.stringify(options)}; ` +
        `noise scale ${calibration.noiseScale.toFixed(6)}, initial train data mIoU ${initialDataMiou.toFixed(4)}`,
      createdAt: (run.createdAt ?? new Date()).toISOString(),
    },
  };
  await writeManifest(to, manifest);
  return {
    name: options.name,
    images: options.images,
    train: trainIndices.length,
    val: options.images - trainIndices.length,
    classes: options.classes,
    width: options.width,
    height: options.height,
    seed: options.seed,
    targetMiou: options.targetMiou,
    noiseScale: calibration.noiseScale,
    initialDataMiou,
    manifest: to.describe(MANIFEST_NAME),
  };
}
