/**
 * JSON Lines files (one JSON value per line) as the engine commands exchange them: records are
 * validated with a zod schema and a bad line is reported as `file:line: reason`, on one line.
 */
import type { z } from 'zod';
import { InputError } from './errors.js';

/** A record and the 1-based line it came from, so later checks can point at it. */
export interface Lined<T> {
  readonly line: number;
  readonly value: T;
}

/** Parses every non-blank line of `bytes` with `schema`; `file` names the file in errors. */
export function parseJsonl<S extends z.ZodType>(bytes: Uint8Array, file: string, schema: S): Lined<z.infer<S>>[] {
  const records: Lined<z.infer<S>>[] = [];
  new TextDecoder().decode(bytes).split('\n').forEach((text, index) => {
    if (text.trim() !== '') records.push({ line: index + 1, value: parseJsonlLine(text, file, index + 1, schema) });
  });
  return records;
}

/** One line of a JSONL file, validated; errors read `file:line: reason`. */
export function parseJsonlLine<S extends z.ZodType>(text: string, file: string, line: number, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}:${line}: not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message));
    throw new InputError(`${file}:${line}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Records per chunk of output: the file is built from chunks, never one string the size of the file. */
const LINES_PER_CHUNK = 4096;

export function encodeJsonl(records: readonly unknown[]): Buffer {
  const chunks: Buffer[] = [];
  for (let start = 0; start < records.length; start += LINES_PER_CHUNK) {
    const text = records
      .slice(start, start + LINES_PER_CHUNK)
      .map((record) => `${JSON.stringify(record)}\n`)
      .join('');
    chunks.push(Buffer.from(text, 'utf8'));
  }
  return Buffer.concat(chunks);
}
