/**
 * The JSON records a round reads back from S3, validated with zod (a record written by another
 * worker, version or hand is input like any other), and JSONL reading and writing on the store.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { encodeJsonl, parseJsonl, parseJsonlLine } from '../../common/jsonl.js';
import { queriedSetOf, type QueriedSet } from '../../engine/select.js';
import { IGNORE_LABEL } from '../../engine/types.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { AnswerRecord } from './contracts.js';

const count = z.number().int().min(0);
const imageId = z
  .string()
  .min(1)
  .refine((id) => !id.includes('/'), 'an image id cannot contain "/"');
const superpixelId = z.number().int().min(1);
const labelValue = z.number().int().min(0).max(IGNORE_LABEL);
const pixelPosition = z.tuple([count, count]);

export const SuperpixelRefSchema = z.object({ image: imageId, superpixel: superpixelId });

/** A `superpixels.jsonl` record as scoreShard writes it (engine `SuperpixelScore`). */
export const SuperpixelScoreSchema = SuperpixelRefSchema.extend({
  pixels: z.number().int().min(1),
  expansion: z.number().int().min(1),
  dominant: labelValue,
  rep: pixelPosition,
  label: labelValue,
  pixel: z.number(),
  cil: z.number(),
  sim: z.number(),
  abc: z.number().optional(),
});

/** A line of `selected.jsonl` (engine `RankedSuperpixel`). */
export const RankedSuperpixelSchema = SuperpixelScoreSchema.extend({ rank: z.number().int().min(1) });

export const ShardPlanSchema = z.object({ imageIds: z.array(imageId).min(1) });
export type ShardPlan = z.infer<typeof ShardPlanSchema>;

/** Pixel rectangle in the original image. */
export const BoundingBoxSchema = z.object({ left: count, top: count, width: z.number().int().min(1), height: z.number().int().min(1) });
export type BoundingBox = z.infer<typeof BoundingBoxSchema>;

/** A line of `queries.jsonl`: what the annotation app shows for one correction query. */
export const QueryRecordSchema = z.object({
  queryId: z.string().min(1),
  image: imageId,
  superpixel: superpixelId,
  rank: z.number().int().min(1),
  /** Representative pixel r as [row, col]. */
  rep: pixelPosition,
  /** The label q currently in use there. */
  label: labelValue,
  labelName: z.string(),
  /** |E|: the pixels a `relabel` answer rewrites. */
  expansion: z.number().int().min(1),
  assetKey: z.string().min(1),
  /** Bounding box of E. */
  bbox: BoundingBoxSchema,
});
export type QueryRecord = z.infer<typeof QueryRecordSchema>;

/** `class` is required for `relabel` and, as in the engine, ignored otherwise. */
export const AnswerRecordSchema = z
  .object({
    queryId: z.string().regex(/^[^/]+\/[1-9][0-9]*$/, 'a query id is <image>/<superpixel>'),
    answer: z.enum(['correct', 'relabel', 'skip']),
    class: labelValue.optional(),
    annotator: z.string().min(1),
  })
  .refine((a) => a.answer !== 'relabel' || a.class !== undefined, { message: 'a relabel answer needs a class', path: ['class'] }) satisfies z.ZodType<AnswerRecord>;

/** Every record of a small JSONL object (queries, answers, the queried set), with its line. */
export async function readJsonl<S extends z.ZodType>(store: ArtifactStore, key: string, schema: S) {
  return parseJsonl(await store.getBytes(key), store.uri(key), schema);
}

/** The records of a JSONL object of any size, one line in memory at a time. */
export async function* streamJsonl<S extends z.ZodType>(store: ArtifactStore, key: string, schema: S): AsyncGenerator<z.infer<S>> {
  const file = store.uri(key);
  const body = await store.getStream(key);
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      yield parseJsonlLine(text, file, line, schema);
    }
  } finally {
    // A reader that stops early (bad record, cancellation) must not leave the HTTP response open.
    lines.close();
    body.destroy();
  }
}

export async function writeJsonl(store: ArtifactStore, key: string, records: readonly unknown[]): Promise<void> {
  await store.putBytes(key, encodeJsonl(records), { contentType: 'application/x-ndjson' });
}

/** The campaign's superpixels queried in earlier rounds; none when there is no such file yet. */
export async function readQueriedSet(store: ArtifactStore, queriedKey: string | undefined): Promise<QueriedSet | undefined> {
  if (queriedKey === undefined) return undefined;
  return queriedSetOf((await readJsonl(store, queriedKey, SuperpixelRefSchema)).map(({ value }) => value));
}
