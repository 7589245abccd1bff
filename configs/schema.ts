import { z } from 'zod';
import { TASK_QUEUES } from './constants.js';

/**
 * The connection configuration: where Temporal and S3 are and how to reach them. Loaded from a YAML
 * file in configs/ plus environment overrides (configs/load.ts). Secrets never live in these files:
 * S3 keys come from the standard AWS chain (environment, profile, workload identity) and TLS
 * material from files whose paths are given here.
 */
export const TemporalConfigSchema = z
  .object({
    address: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT').default('localhost:7233'),
    namespace: z.string().min(1).default('default'),
    /** mTLS, as Temporal Cloud requires. Absent = plaintext (the local stack). */
    tls: z
      .object({
        clientCertPath: z.string().min(1),
        clientKeyPath: z.string().min(1),
        serverRootCaCertPath: z.string().min(1).optional(),
        serverNameOverride: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const S3ConfigSchema = z
  .object({
    /** Absent = AWS S3's regional endpoint. */
    endpoint: z.url().optional(),
    region: z.string().min(1).default('us-east-1'),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
    /** `endpoint/bucket/key` URLs; needed by SeaweedFS and MinIO, off for AWS. */
    forcePathStyle: z.boolean().default(false),
    /** Attempts per request, with the SDK's exponential backoff and jitter between them. */
    maxAttempts: z.number().int().min(1).max(20).default(5),
    /**
     * Development only (the embedded stack fills it in when the environment has no AWS keys).
     * Production leaves it out and uses the SDK's default chain: environment, profile, IRSA.
     */
    staticCredentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).strict().optional(),
    /** Object key prefix under which this deployment writes everything. */
    prefix: z
      .string()
      .regex(/^([A-Za-z0-9._-]+\/)*$/, 'expected "" or segments ending in "/", e.g. "alc/"')
      .default(''),
  })
  .strict();

export const EmbeddedStackConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('.alc/stack'),
    temporalPort: z.number().int().min(1).max(65535).default(7233),
    temporalUiPort: z.number().int().min(1).max(65535).default(8233),
    s3Port: z.number().int().min(1).max(65535).default(8333),
  })
  .strict();

export const TaskQueuesSchema = z
  .object({
    cpu: z.string().min(1).default(TASK_QUEUES.cpu),
    gpu: z.string().min(1).default(TASK_QUEUES.gpu),
  })
  .strict();

/**
 * How GPU workers run the trainer (trainer/CONTRACT.md). Any command that obeys the contract
 * replaces the reference trainer: `{spec}` becomes the job spec's path, `{python}` the project's
 * .venv interpreter.
 */
export const TrainerConfigSchema = z
  .object({
    command: z.array(z.string().min(1)).min(1).default(['{python}', '-m', 'trainer', '--spec', '{spec}']),
    /** Local scratch for staged inputs and outputs; default: the OS temp dir. */
    workDir: z.string().min(1).optional(),
    device: z.enum(['cpu', 'cuda']).default('cpu'),
    /** On cancellation: SIGTERM, then SIGKILL after this many seconds. */
    killGraceSeconds: z.number().int().min(1).max(3600).default(30),
  })
  .strict();

export const InferenceConfigSchema = z
  .object({
    provider: z.enum(['cpu', 'cuda']).default('cpu'),
    batchSize: z.number().int().min(1).max(256).default(4),
    /** onnxruntime intra-op threads; 0 = all cores. */
    threads: z.number().int().min(0).max(256).default(0),
  })
  .strict();

export const ConnectionConfigSchema = z
  .object({
    temporal: TemporalConfigSchema.prefault({}),
    s3: S3ConfigSchema,
    taskQueues: TaskQueuesSchema.prefault({}),
    stack: EmbeddedStackConfigSchema.prefault({}),
    trainer: TrainerConfigSchema.prefault({}),
    inference: InferenceConfigSchema.prefault({}),
  })
  .strict();

export type TemporalConfig = z.infer<typeof TemporalConfigSchema>;
export type S3Config = z.infer<typeof S3ConfigSchema>;
export type EmbeddedStackConfig = z.infer<typeof EmbeddedStackConfigSchema>;
export type TrainerConfig = z.infer<typeof TrainerConfigSchema>;
export type InferenceConfig = z.infer<typeof InferenceConfigSchema>;
export type ConnectionConfig = z.infer<typeof ConnectionConfigSchema>;
