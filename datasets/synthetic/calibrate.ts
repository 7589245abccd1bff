import { LabelConfusion } from './confusion.js';
import { renderPseudoLabels, type PseudoLabelNoiseDraws } from './noise.js';
import { pseudoLabelDrawsOf, sceneOf, type SyntheticDesign } from './render.js';
import { renderGroundTruth, type Scene } from './shapes.js';

/** Noisiest scale tried; every noise rate is near its cap well before it. */
const MAX_NOISE_SCALE = 8;
const BISECTION_STEPS = 24;
/** Close enough: the pseudo labels' mIoU moves in steps of whole objects anyway. */
const MIOU_TOLERANCE = 0.0005;
/** Pixels of the calibration sample, which is held in memory: bounds it for large images. */
const SAMPLE_PIXEL_BUDGET = 12_000_000;
const MIN_SAMPLE_IMAGES = 16;
const MAX_SAMPLE_IMAGES = 1024;

export interface NoiseCalibration {
  noiseScale: number;
  /** Data mIoU of the pseudo labels over the calibration sample at that scale. */
  sampleMiou: number;
  sampleImages: number;
}

/** How many of the first train images calibrate the noise scale. */
export function calibrationSampleSize(design: SyntheticDesign, trainImages: number): number {
  const { width, height } = design.options;
  const byMemory = Math.floor(SAMPLE_PIXEL_BUDGET / (width * height));
  return Math.min(trainImages, Math.max(MIN_SAMPLE_IMAGES, Math.min(MAX_SAMPLE_IMAGES, byMemory)));
}

interface SampleImage {
  scene: Scene;
  groundTruth: Uint8Array;
  draws: PseudoLabelNoiseDraws;
}

/**
 * The noise scale at which the pseudo labels of `sampleIndices` (train images) have a data mIoU
 * closest to the target: bisection, since a larger scale can only add noise to a given image.
 * A target above the noise-free mIoU (1) gives scale 0; one below the noisiest gives the maximum.
 */
export function calibrateNoiseScale(design: SyntheticDesign, sampleIndices: readonly number[]): NoiseCalibration {
  const { width, height, classes, noise, targetMiou } = design.options;
  const sample: SampleImage[] = sampleIndices.map((index) => {
    const scene = sceneOf(design, index, new Uint8Array(width * height));
    const groundTruth = new Uint8Array(width * height);
    renderGroundTruth(scene, groundTruth);
    return { scene, groundTruth, draws: pseudoLabelDrawsOf(design, index, scene) };
  });
  const pseudoLabels = new Uint8Array(width * height);
  const distances = new Uint16Array(width * height);
  const miouAt = (noiseScale: number): number => {
    const confusion = new LabelConfusion(classes);
    for (const image of sample) {
      renderPseudoLabels(image.scene, image.draws, noiseScale, noise, classes, distances, pseudoLabels);
      confusion.add(image.groundTruth, pseudoLabels);
    }
    return confusion.meanIou();
  };
  const result = (noiseScale: number, sampleMiou: number): NoiseCalibration => ({ noiseScale, sampleMiou, sampleImages: sample.length });

  const clean = miouAt(0);
  if (clean <= targetMiou) return result(0, clean);
  const noisiest = miouAt(MAX_NOISE_SCALE);
  if (noisiest >= targetMiou) return result(MAX_NOISE_SCALE, noisiest);
  let low = 0;
  let high = MAX_NOISE_SCALE;
  let best = result(MAX_NOISE_SCALE, noisiest);
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const middle = (low + high) / 2;
    const miou = miouAt(middle);
    if (Math.abs(miou - targetMiou) < Math.abs(best.sampleMiou - targetMiou)) best = result(middle, miou);
    if (Math.abs(miou - targetMiou) < MIOU_TOLERANCE) break;
    if (miou > targetMiou) low = middle;
    else high = middle;
  }
  return best;
}
