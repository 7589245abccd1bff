/** Messages between the score pool (score-pool.ts) and its worker threads (score-worker.ts). */
import type { ImageScores } from '../engine/score-image.js';
import type { Mode, SuperpixelMap } from '../engine/types.js';

/** Soft labels as decoded arrays, or as the bytes of a .npy file to decode in the worker. */
export type SoftLabelSource =
  | { readonly npy: Uint8Array; readonly file: string }
  | { readonly data: Float32Array; readonly classes: number; readonly height: number; readonly width: number };

/** The bytes of a label or superpixel PNG file, decoded in the worker; `file` names it in errors. */
export interface PngSource {
  readonly png: Uint8Array;
  readonly file: string;
}

export interface ScoreRequest {
  readonly job: number;
  readonly image: string;
  readonly softLabels: SoftLabelSource;
  readonly labels: Uint8Array | PngSource;
  readonly superpixels: SuperpixelMap | PngSource;
  readonly mode: Mode;
  readonly tau: number;
}

export type ScoreReply =
  | { readonly job: number; readonly scores: ImageScores }
  /** `input`: the error was an InputError (bad input, not worth a retry). */
  | { readonly job: number; readonly error: { readonly input: boolean; readonly message: string } };
