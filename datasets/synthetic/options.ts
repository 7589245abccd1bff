import { z } from 'zod';
import { MAX_SUPERPIXEL_ID } from '../png.js';

/** The largest class count: background plus 20 objects, as PASCAL VOC. */
export const MAX_SYNTHETIC_CLASSES = 21;

const probability = z.number().min(0).max(1);
const weight = z.number().min(0).max(10);

const NoiseOptionsSchema = z.object({
  /** Relative weight of whole-object class confusions (an object labelled as another class). */
  confusion: weight.default(1),
  /** Relative weight of missed objects (labelled background, or ignore; see `missedAsIgnore`). */
  missed: weight.default(1),
  /** Relative weight of boundary bleed (object masks dilated or eroded by a few pixels). */
  bleed: weight.default(1),
  /** Relative weight of false positives (spurious blobs of an object class on the background). */
  falsePositives: weight.default(1),
  /** Fraction of missed objects labelled 255 (ignore) rather than background. */
  missedAsIgnore: probability.default(0.3),
  /** Standard deviation of the per-pixel sensor noise of the images, in 8-bit steps. */
  pixelNoise: z.number().min(0).max(64).default(6),
});

const SuperpixelOptionsSchema = z.object({
  /** An object is over-segmented into 1..this many superpixels (more for larger objects). */
  maxPiecesPerObject: z.number().int().min(1).max(16).default(3),
  /** Probability that an object shares one superpixel with a neighbour (under-segmentation). */
  mergeProbability: probability.default(0.08),
  /** Mean side, in pixels, of the Voronoi cells that split the background. */
  backgroundCellSize: z.number().int().min(4).max(1024).default(32),
  /** Probability that a background cell has no superpixel (id 0). */
  unsegmentedProbability: probability.default(0.1),
  /** Probability that an object's outline (one pixel wide) has no superpixel (id 0). */
  outlineGapProbability: probability.default(0.25),
});

/** Upper bound of one image's superpixels: a background cell per grid cell plus every object piece (see superpixels.ts). */
function maxSuperpixelsPerImage(width: number, height: number, cellSize: number, objectPieces: number): number {
  return Math.ceil(width / cellSize) * Math.ceil(height / cellSize) + objectPieces;
}

/** Everything that determines a synthetic dataset's content: equal options give equal bytes. */
export const SyntheticDatasetOptionsSchema = z
  .object({
    images: z.number().int().min(10).max(100_000),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    name: z.string().min(1).default('synthetic'),
    width: z.number().int().min(32).max(2048).default(128),
    height: z.number().int().min(32).max(2048).default(96),
    /** Number of classes including the background (class 0). */
    classes: z.number().int().min(2).max(MAX_SYNTHETIC_CLASSES).default(6),
    /** Object class c (1-based) is drawn with probability proportional to c^-classImbalance. */
    classImbalance: z.number().min(0).max(3).default(0.5),
    minObjects: z.number().int().min(0).max(32).default(2),
    maxObjects: z.number().int().min(1).max(32).default(5),
    /** Fraction of images in the validation split (evenly spread over the ids). */
    valFraction: z.number().min(0).max(0.9).default(0.2),
    /** Data mIoU of the pseudo labels against ground truth on the train split. */
    targetMiou: z.number().min(0.2).max(1).default(0.6),
    noise: NoiseOptionsSchema.prefault({}),
    superpixels: SuperpixelOptionsSchema.prefault({}),
  })
  .superRefine((o, ctx) => {
    if (o.minObjects > o.maxObjects) ctx.addIssue({ code: 'custom', path: ['minObjects'], message: 'must not exceed maxObjects' });
    const superpixels = maxSuperpixelsPerImage(o.width, o.height, o.superpixels.backgroundCellSize, o.maxObjects * o.superpixels.maxPiecesPerObject);
    if (superpixels > MAX_SUPERPIXEL_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['superpixels', 'backgroundCellSize'],
        message: `too small for ${o.width}x${o.height}: up to ${superpixels} superpixels per image, more than a 16-bit PNG holds`,
      });
    }
  });

export type SyntheticDatasetOptionsInput = z.input<typeof SyntheticDatasetOptionsSchema>;
export type SyntheticDatasetOptions = z.output<typeof SyntheticDatasetOptionsSchema>;
export type PseudoLabelNoiseOptions = SyntheticDatasetOptions['noise'];
export type SuperpixelOptions = SyntheticDatasetOptions['superpixels'];
