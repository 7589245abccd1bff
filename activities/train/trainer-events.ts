import { z } from 'zod';

/**
 * The progress events a trainer prints on stdout, one JSON object per line (trainer/CONTRACT.md).
 * Unknown event types and fields are ignored, as the contract asks of consumers.
 */
const Progress = {
  epoch: z.number().int(),
  epochs: z.number().int(),
  step: z.number().int(),
  steps: z.number().int(),
  loss: z.number(),
  lr: z.number(),
  etaSeconds: z.number().nullable().optional(),
};

export const TrainerEventSchema = z.discriminatedUnion('event', [
  z.looseObject({ event: z.literal('start'), epochs: z.number().int(), startEpoch: z.number().int() }),
  z.looseObject({ event: z.literal('step'), ...Progress }),
  z.looseObject({ event: z.literal('epoch'), ...Progress }),
  z.looseObject({ event: z.literal('checkpoint'), path: z.string(), epoch: z.number().int() }),
  z.looseObject({ event: z.literal('done'), metrics: z.record(z.string(), z.unknown()) }),
  z.looseObject({ event: z.literal('error'), kind: z.string(), message: z.string() }),
]);
export type TrainerEvent = z.infer<typeof TrainerEventSchema>;

/** Exit codes of the contract. */
export const TRAINER_EXIT = { ok: 0, badInput: 2, transient: 75 } as const;

/** Parses one stdout line; `undefined` for blank lines and events this version does not know. */
export function parseTrainerEvent(line: string): TrainerEvent | undefined {
  if (line.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new Error(`trainer printed a non-JSON line on stdout: ${line.slice(0, 200)}`);
  }
  const parsed = TrainerEventSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
