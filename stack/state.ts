import { readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { formatZodIssues } from '../common/zod-errors.js';

/** What `alc stack up` records in the data dir: where each service listens and its process id. */
export const StackStateSchema = z.object({
  dataDir: z.string(),
  startedAt: z.iso.datetime(),
  temporal: z.object({
    address: z.string(),
    ui: z.string(),
    namespace: z.string(),
    pid: z.number().int(),
    dbFile: z.string(),
  }),
  s3: z.object({
    endpoint: z.string(),
    bucket: z.string(),
    region: z.string(),
    pid: z.number().int(),
    ports: z.record(z.string(), z.number().int()),
  }),
});
export type StackState = z.infer<typeof StackStateSchema>;

export const STATE_FILE = 'stack.json';

export function readStackState(dataDir: string): StackState | undefined {
  const file = path.join(dataDir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = StackStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new InputError(formatZodIssues(file, parsed.error));
  return parsed.data;
}

export function writeStackState(state: StackState): void {
  const file = path.join(state.dataDir, STATE_FILE);
  writeFileSync(`${file}.partial`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.partial`, file);
}

export function removeStackState(dataDir: string): void {
  rmSync(path.join(dataDir, STATE_FILE), { force: true });
}
