/** Messages between the score pool (score-pool.ts) and its worker threads (score-worker.ts). */
import type { ImageScores } from '../engine/score-image.js';
import type { Mode, SuperpixelMap } from '../engine/types.js';

/** Soft labels as decoded arrays, or as the bytes of a .npy file to decode in the worker. */
export type SoftLabelSource =
  | { readonly npy: Uint8Array; readonly file: string }
  | { readonly data: Float32Array; readonly classes: number; readonly height: number; readonly width: number };

export interface ScoreRequest {
  readonly job: number;
  readonly image: string;
  readonly softLabels: SoftLabelSource;
  readonly labels: Uint8Array;
  readonly superpixels: SuperpixelMap;
  readonly mode: Mode;
  readonly tau: number;
}

export type ScoreReply =
  | { readonly job: number; readonly scores: ImageScores }
  | { readonly job: number; readonly error: { readonly name: string; readonly message: string } };
