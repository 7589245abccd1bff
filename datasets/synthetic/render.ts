import { classAppearance, type ClassAppearance } from './classes.js';
import { drawPseudoLabelNoise, renderPseudoLabels, type PseudoLabelNoiseDraws } from './noise.js';
import type { SyntheticDatasetOptions } from './options.js';
import { deriveSeed, Prng, Stream, type StreamId } from './prng.js';
import { generateScene, renderGroundTruth, type Scene, type SceneLayout } from './shapes.js';
import { renderSuperpixels } from './superpixels.js';
import { renderImage } from './textures.js';

/** What every image of a dataset shares, derived once from the options. */
export interface SyntheticDesign {
  options: SyntheticDatasetOptions;
  layout: SceneLayout;
  /** Appearance of object class c at index c - 1. */
  objectAppearances: ClassAppearance[];
}

export function designDataset(options: SyntheticDatasetOptions): SyntheticDesign {
  const objectClasses = Array.from({ length: options.classes - 1 }, (_, i) => i + 1);
  return {
    options,
    layout: {
      width: options.width,
      height: options.height,
      minObjects: options.minObjects,
      maxObjects: options.maxObjects,
      objectClassWeights: objectClasses.map((c) => c ** -options.classImbalance),
    },
    objectAppearances: objectClasses.map((c) => classAppearance(c, options.classes)),
  };
}

/**
 * The rasters of one image, reused from image to image so that generation allocates nothing of
 * image size per image.
 */
export class ImageCanvas {
  /** Object owning each pixel, 0 = background. */
  readonly instances: Uint8Array;
  /** Interleaved RGB. */
  readonly rgb: Uint8Array;
  readonly groundTruth: Uint8Array;
  readonly pseudoLabels: Uint8Array;
  readonly superpixels: Uint32Array;
  /** Scratch of the pseudo-label boundary bleed. */
  readonly distances: Uint16Array;
  /** Scratch of the superpixel partition. */
  readonly regions: Int32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const pixels = width * height;
    this.instances = new Uint8Array(pixels);
    this.rgb = new Uint8Array(pixels * 3);
    this.groundTruth = new Uint8Array(pixels);
    this.pseudoLabels = new Uint8Array(pixels);
    this.superpixels = new Uint32Array(pixels);
    this.distances = new Uint16Array(pixels);
    this.regions = new Int32Array(pixels);
  }
}

function streamOf(design: SyntheticDesign, index: number, stream: StreamId): Prng {
  return new Prng(deriveSeed(design.options.seed, index, stream));
}

/** Image `index`'s scene, into `instances` (width*height). */
export function sceneOf(design: SyntheticDesign, index: number, instances: Uint8Array): Scene {
  return generateScene(streamOf(design, index, Stream.scene), design.layout, instances);
}

/** Image `index`'s pseudo-label decisions, independent of the noise scale. */
export function pseudoLabelDrawsOf(design: SyntheticDesign, index: number, scene: Scene): PseudoLabelNoiseDraws {
  return drawPseudoLabelNoise(streamOf(design, index, Stream.pseudoLabels), scene.objects.length);
}

/** Renders every raster of image `index` into `canvas`. */
export function renderSyntheticImage(design: SyntheticDesign, index: number, noiseScale: number, canvas: ImageCanvas): void {
  const { options } = design;
  const scene = sceneOf(design, index, canvas.instances);
  renderGroundTruth(scene, canvas.groundTruth);
  renderImage(scene, design.objectAppearances, streamOf(design, index, Stream.appearance), options.noise.pixelNoise, canvas.rgb);
  const draws = pseudoLabelDrawsOf(design, index, scene);
  renderPseudoLabels(scene, draws, noiseScale, options.noise, options.classes, canvas.distances, canvas.pseudoLabels);
  renderSuperpixels(scene, streamOf(design, index, Stream.superpixels), options.superpixels, canvas.regions, canvas.superpixels);
}
