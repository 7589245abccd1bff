/**
 * The campaign configuration: what an ALC campaign runs on and how (dataset, classes, rounds,
 * budget, selection, trainer, annotation policy, task queues, timeouts). Read from a YAML file by
 * `alc campaign start`, validated here, and passed *resolved* to the campaign workflow: defaults
 * filled in, durations in milliseconds, the class list explicit. Workflows import only its types.
 */
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { TASK_QUEUES } from './constants.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

/** `"90 seconds"`, `"3d"`, `"1.5 hours"` or a number of milliseconds → milliseconds; undefined if not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = UNIT_MS[match[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}

/** A duration as YAML writes it (`"3 days"`, `"90s"`, or milliseconds), validated and turned into ms. */
const duration = (min = 1) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at least ${min} ms such as "90 seconds", "2h", "3 days" (or milliseconds), got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

const prefix = z.string().regex(/^([^/\s]+\/)+$/, 'expected a key prefix ending in "/", e.g. "datasets/demo/"');
const attempts = z.number().int().min(1).max(100);

export const TrainerSettingsSchema = z
  .object({
    model: z
      .object({ config: z.enum(['tiny', 'paper']).default('tiny'), outputStride: z.union([z.literal(8), z.literal(16)]).optional() })
      .strict()
      .prefault({}),
    /** Passed to the trainer as given (trainer/CONTRACT.md: epochs, lr, batchSize, crop, ...). */
    hyperparameters: z.record(z.string(), z.number()).default({}),
    seed: z.number().int().min(0).default(0),
    /** Round r's training starts from round r-1's checkpoint. */
    warmStart: z.boolean().default(true),
  })
  .strict();

/** A2LC's automatic correction (spec, "Automatic correction"); its defaults are the spec's. */
export const AutoCorrectionSettingsSchema = z
  .object({
    /** Run the step after expansion; default: on in mode a2lc (the spec's round), off in alc. */
    enabled: z.boolean().optional(),
    /** A prediction relabels a superpixel only with at least this softmax confidence. */
    minConfidence: z.number().min(0).max(1).default(0.99),
    /** The classifier job's (trainer/CONTRACT.md): Adam, 100 epochs, batch 8, lr 1e-4, no weight decay. */
    hyperparameters: z
      .object({
        epochs: z.number().int().min(1).max(100_000).default(100),
        batchSize: z.number().int().min(1).max(100_000).default(8),
        learningRate: z.number().positive().default(1e-4),
        weightDecay: z.number().min(0).default(0),
      })
      .strict()
      .prefault({}),
    /** Seed of the classifier's initialisation and batch order. */
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export const AnnotationPolicySchema = z
  .object({
    /** How long a round waits for answers after issuing its queries. */
    deadline: duration(1000).default(7 * 86_400_000),
    /** Reminder events (log, status, search attribute) while answers are missing. */
    reminderEvery: duration(1000).default(86_400_000),
    /** At the deadline: go on with what was answered, or wait `extendBy` longer. */
    onDeadline: z.enum(['proceed', 'extend']).default('proceed'),
    extendBy: duration(1000).default(86_400_000),
    /** After this many extensions the round proceeds anyway. */
    maxExtensions: z.number().int().min(0).max(1000).default(3),
    /** The most answers one `submitAnswers` update may carry (one S3 batch each). */
    maxBatch: z.number().int().min(1).max(5000).default(500),
    /**
     * The annotation service asks each query of `annotators` different people and submits the
     * answer that `quorum` of them gave (annotation/README.md); 1 of 1 = the first answer counts.
     */
    redundancy: z
      .object({ annotators: z.number().int().min(1).max(10).default(1), quorum: z.number().int().min(1).max(10).default(1) })
      .strict()
      .refine((r) => r.quorum <= r.annotators, { message: 'quorum cannot exceed annotators', path: ['quorum'] })
      .prefault({}),
  })
  .strict();

export const CampaignTimeoutsSchema = z
  .object({
    /** One training job, including retries' resume (startToClose of one attempt). */
    train: duration().default(12 * 3_600_000),
    /** Training heartbeats per epoch/step; a silent trainer this long is retried elsewhere. */
    trainHeartbeat: duration().default(10 * 60_000),
    /** One shard's inference + scoring, and model evaluation (GPU). */
    gpuStep: duration().default(2 * 3_600_000),
    gpuHeartbeat: duration().default(5 * 60_000),
    /** One CPU step (plan, weights, select, issue, expand, metrics, report). */
    cpuStep: duration().default(3_600_000),
    cpuHeartbeat: duration().default(5 * 60_000),
  })
  .strict();

export const CampaignRetriesSchema = z
  .object({
    /** Training is long and mostly fails for reasons a retry does not fix: few attempts. */
    train: attempts.default(3),
    gpu: attempts.default(5),
    cpu: attempts.default(10),
  })
  .strict();

export const CampaignConfigSchema = z
  .object({
    /** Campaign name: the default workflow id prefix and the `AlcCampaign` search attribute. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected 1-100 letters, digits, ".", "_" or "-"'),
    /** Key prefix of the dataset (its manifest.json) under the deployment's S3 prefix. */
    datasetPrefix: prefix,
    /**
     * The class ids answers may use: a list, or a count (ids 0..n-1). Absent: `alc campaign start`
     * reads them from the dataset's manifest.
     */
    classes: z.union([z.number().int().min(1).max(255), z.array(z.number().int().min(0).max(254)).min(1)]).optional(),
    /** Correction rounds after round 0 (which trains on the pseudo labels). */
    rounds: z.number().int().min(0).max(1000).default(3),
    budgetPerRound: z.number().int().min(1).max(100_000).default(60),
    mode: z.enum(['alc', 'a2lc']).default('alc'),
    /** The acquisition score, or `random`; default: `sim` for alc, `abc` for a2lc. */
    strategy: z.enum(['pixel', 'cil', 'sim', 'abc', 'random']).optional(),
    tau: z.number().min(-1).max(1).default(0),
    /** Never ask a superpixel twice in a campaign (A2LC's non-redundancy). */
    skipQueried: z.boolean().default(true),
    /** Seed of selection (the random strategy's draw). */
    seed: z.number().int().min(0).default(0),
    trainer: TrainerSettingsSchema.prefault({}),
    autoCorrection: AutoCorrectionSettingsSchema.prefault({}),
    /** Images per scoring shard (one GPU activity each). */
    shardSize: z.number().int().min(1).max(100_000).default(100),
    /** Shards scored at once (bounded fan-out on the GPU queue). */
    scoringConcurrency: z.number().int().min(1).max(500).default(4),
    annotation: AnnotationPolicySchema.prefault({}),
    taskQueues: z.object({ cpu: z.string().min(1).default(TASK_QUEUES.cpu), gpu: z.string().min(1).default(TASK_QUEUES.gpu) }).strict().prefault({}),
    timeouts: CampaignTimeoutsSchema.prefault({}),
    retries: CampaignRetriesSchema.prefault({}),
    /** Upsert the Alc* search attributes (they must be registered on the server). */
    searchAttributes: z.boolean().default(true),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.mode === 'alc' && config.strategy === 'abc') {
      ctx.addIssue({ code: 'custom', path: ['strategy'], message: 'abc needs the A2LC class weights: use mode a2lc' });
    }
    if (config.mode === 'alc' && config.autoCorrection.enabled === true) {
      ctx.addIssue({ code: 'custom', path: ['autoCorrection', 'enabled'], message: "automatic correction is A2LC's: use mode a2lc" });
    }
  });

/** As written in YAML (everything optional that has a default). */
export type CampaignConfigInput = z.input<typeof CampaignConfigSchema>;
type ParsedCampaignConfig = z.output<typeof CampaignConfigSchema>;

/** What the campaign workflow runs on: defaults applied, durations in ms, classes, strategy and automatic correction explicit. */
export interface CampaignConfig extends Omit<ParsedCampaignConfig, 'classes' | 'strategy' | 'autoCorrection'> {
  classes: number[];
  strategy: 'pixel' | 'cil' | 'sim' | 'abc' | 'random';
  autoCorrection: AutoCorrectionSettings;
}
export type AutoCorrectionSettings = Omit<ParsedCampaignConfig['autoCorrection'], 'enabled'> & { enabled: boolean };
export type TrainerSettings = CampaignConfig['trainer'];
export type AnnotationPolicy = CampaignConfig['annotation'];
export type CampaignTimeouts = CampaignConfig['timeouts'];
export type CampaignRetries = CampaignConfig['retries'];

/**
 * Fills in what the schema cannot know: the class ids (from the manifest when the file names
 * none), the mode's default score and whether the mode corrects automatically.
 */
export function resolveCampaignConfig(parsed: ParsedCampaignConfig, manifestClassIds?: readonly number[]): CampaignConfig {
  let classes: number[];
  if (typeof parsed.classes === 'number') classes = Array.from({ length: parsed.classes }, (_, i) => i);
  else if (parsed.classes) classes = [...new Set(parsed.classes)].sort((a, b) => a - b);
  else if (manifestClassIds) classes = [...new Set(manifestClassIds)].filter((id) => id !== 255).sort((a, b) => a - b);
  else throw new InputError('classes: not in the campaign file, and no dataset manifest to read them from');
  return {
    ...parsed,
    classes,
    strategy: parsed.strategy ?? (parsed.mode === 'a2lc' ? 'abc' : 'sim'),
    autoCorrection: { ...parsed.autoCorrection, enabled: parsed.autoCorrection.enabled ?? parsed.mode === 'a2lc' },
  };
}
