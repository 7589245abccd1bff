/**
 * The JSONL files that name superpixels: questions (`selected.jsonl`, or any records with `image`
 * and `superpixel`), superpixels queried in earlier rounds, and answers. Records keep their line
 * numbers so that every later check (duplicates, unknown images, unknown superpixels) can point at
 * `file:line`.
 */
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { compareCodePoints } from '../common/order.js';
import { indexOfSuperpixel, type Answer } from '../engine/apply-answers.js';
import type { ImageScores } from '../engine/score-image.js';
import { IGNORE_LABEL, type Mode, type SuperpixelRef } from '../engine/types.js';
import type { ImageFiles } from './engine-inputs.js';
import { readFileArgument } from './file-argument.js';
import { parseJsonl, type Lined } from '../common/jsonl.js';

const ANSWER_KINDS = ['correct', 'relabel', 'skip'] as const;

const refFields = {
  image: z.string().min(1),
  superpixel: z.number().int().min(1),
};

/** Other fields (scores, rank) are allowed and dropped, so a `selected.jsonl` serves as is. */
const QuestionSchema = z.object(refFields);

/** An answer file also serves as a queried file: its skipped superpixels do not count as queried. */
const QueriedSchema = z.object({ ...refFields, answer: z.enum(ANSWER_KINDS).optional() });

const AnswerSchema = z
  .object({ ...refFields, answer: z.enum(ANSWER_KINDS), class: z.number().int().min(0).max(IGNORE_LABEL).optional() })
  .refine((a) => a.answer !== 'relabel' || a.class !== undefined, { message: 'a relabel answer needs a class', path: ['class'] });

/** The records of one file, with their lines. */
export interface SuperpixelFile<T extends SuperpixelRef> {
  readonly file: string;
  readonly records: readonly Lined<T>[];
}

function rejectDuplicates<T extends SuperpixelRef>(parsed: SuperpixelFile<T>, what: 'asked' | 'answered'): void {
  const firstLine = new Map<string, number>();
  for (const { line, value } of parsed.records) {
    const key = JSON.stringify([value.image, value.superpixel]);
    const first = firstLine.get(key);
    if (first !== undefined) {
      throw new InputError(`${parsed.file}:${line}: ${value.image} superpixel ${value.superpixel} is ${what} more than once (first on line ${first})`);
    }
    firstLine.set(key, line);
  }
}

/** Questions to answer, each superpixel at most once. */
export async function readQuestions(uri: string): Promise<SuperpixelFile<SuperpixelRef>> {
  const { bytes, file } = await readFileArgument(uri);
  const parsed = { file, records: parseJsonl(bytes, file, QuestionSchema) };
  rejectDuplicates(parsed, 'asked');
  return parsed;
}

/** Answers, each superpixel answered at most once. */
export async function readAnswers(uri: string): Promise<SuperpixelFile<Answer>> {
  const { bytes, file } = await readFileArgument(uri);
  const parsed = { file, records: parseJsonl(bytes, file, AnswerSchema) };
  rejectDuplicates(parsed, 'answered');
  return parsed;
}

/** Superpixels queried in earlier rounds (records answered `skip` excepted); repeats are harmless. */
export async function readQueried(uri: string): Promise<SuperpixelRef[]> {
  const { bytes, file } = await readFileArgument(uri);
  return parseJsonl(bytes, file, QueriedSchema)
    .filter(({ value }) => value.answer !== 'skip')
    .map(({ value }) => ({ image: value.image, superpixel: value.superpixel }));
}

/** Throws at the first record whose image is not one of `ids`; `inputs` says where the ids came from. */
export function requireKnownImages(parsed: SuperpixelFile<SuperpixelRef>, ids: readonly string[], inputs: string): void {
  const known = new Set(ids);
  for (const { line, value } of parsed.records) {
    if (!known.has(value.image)) throw new InputError(`${parsed.file}:${line}: image "${value.image}" is not among the inputs (${inputs})`);
  }
}

/** The records grouped by image, images in code-point order, each image's records in file order. */
export function recordsByImage<T extends SuperpixelRef>(parsed: SuperpixelFile<T>): Map<string, Lined<T>[]> {
  const byImage = new Map<string, Lined<T>[]>();
  for (const record of parsed.records) {
    const ofImage = byImage.get(record.value.image);
    if (ofImage === undefined) byImage.set(record.value.image, [record]);
    else ofImage.push(record);
  }
  return new Map([...byImage.entries()].sort(([a], [b]) => compareCodePoints(a, b)));
}

/**
 * Throws at the first record naming a superpixel that is not in the image's map, or one whose
 * expansion set is empty under this mode and tau (it was never a candidate, so it cannot have been
 * asked with these settings).
 */
export function requireAskableSuperpixels(
  file: string,
  records: readonly Lined<SuperpixelRef>[],
  scores: ImageScores,
  files: ImageFiles,
  settings: { readonly mode: Mode; readonly tau: number },
): void {
  for (const { line, value } of records) {
    const i = indexOfSuperpixel(scores.superpixelIds, value.superpixel);
    if (i < 0) throw new InputError(`${file}:${line}: ${value.image} has no superpixel ${value.superpixel} in ${files.superpixels}`);
    if (scores.expansion[i] === 0) {
      throw new InputError(
        `${file}:${line}: ${value.image} superpixel ${value.superpixel} has an empty expansion set with --mode ${settings.mode} --tau ${settings.tau}, so it cannot have been asked`,
      );
    }
  }
}
