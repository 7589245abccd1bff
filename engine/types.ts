/**
 * Shared vocabulary of the ALC engine (see ../shared/alc-spec.md). Everything here is plain data on
 * typed arrays so that the same modules serve the CLI, Temporal activities and worker threads.
 */

/** Working-label and ground-truth value meaning "unknown / void / ignore". */
export const IGNORE_LABEL = 255;

/** Largest number of classes a uint8 label map can hold next to the reserved 255. */
export const MAX_CLASSES = 255;

/** Superpixel maps come from 8- or 16-bit PNGs (larger ids are accepted too); id 0 = no superpixel. */
export type SuperpixelMap = Uint8Array | Uint16Array | Uint32Array;

/** The per-image inputs of the spec, all row-major. */
export interface ImageInput {
  /** Number of classes C. */
  readonly classes: number;
  readonly height: number;
  readonly width: number;
  /** `P`: C x H x W soft labels in C order (planar: class c of pixel x is at `c * H * W + x`). */
  readonly softLabels: Float32Array;
  /** `L`: H x W working labels, class ids or 255. */
  readonly labels: Uint8Array;
  /** `S`: H x W superpixel ids, 0 = no superpixel. */
  readonly superpixels: SuperpixelMap;
}

/** ALC (Kim et al. 2024) or A2LC (Jeon et al. 2026): changes the representative and the queried label. */
export type Mode = 'alc' | 'a2lc';

/** The acquisition scores of the spec; higher = ask first. */
export type ScoreName = 'pixel' | 'cil' | 'sim' | 'abc';

/** A selection strategy: rank by a score, or the seeded random baseline. */
export type Strategy = ScoreName | 'random';

/** Default score of each mode, as in the papers. */
export const DEFAULT_SCORE: Readonly<Record<Mode, ScoreName>> = { alc: 'sim', a2lc: 'abc' };

/** Names one superpixel of the campaign. */
export interface SuperpixelRef {
  readonly image: string;
  readonly superpixel: number;
}

/** One scored superpixel, as written to `superpixels.jsonl`. */
export interface SuperpixelScore extends SuperpixelRef {
  /** |R|. */
  readonly pixels: number;
  /** |E|, always > 0 (a superpixel with empty E has no score). */
  readonly expansion: number;
  /** Dominant predicted class d. */
  readonly dominant: number;
  /** Representative pixel r as [row, col]. */
  readonly rep: readonly [number, number];
  /** Queried label q. */
  readonly label: number;
  readonly pixel: number;
  readonly cil: number;
  readonly sim: number;
  /** Present once the class weights of the round are known. */
  readonly abc?: number;
}

/** A selected superpixel: its scores plus its 1-based rank (1 = asked first). */
export interface RankedSuperpixel extends SuperpixelScore {
  readonly rank: number;
}
