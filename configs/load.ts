import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { REPO_ROOT } from '../common/paths.js';
import { formatZodIssues } from '../common/zod-errors.js';
import { DEV_S3_CREDENTIALS } from './constants.js';
import { ConnectionConfigSchema, type ConnectionConfig } from './schema.js';
import { readStackState } from '../stack/state.js';

/** Default configuration file: the embedded local stack. */
export const DEFAULT_CONFIG_FILE = path.join(REPO_ROOT, 'configs', 'local.yaml');

/**
 * Environment variables that override single fields of the file, for containers and CI.
 * Documented in README.md ("Configuration reference"); keep the two in step.
 */
export const ENV_OVERRIDES: Record<string, { path: string[]; parse?: (raw: string) => unknown }> = {
  ALC_TEMPORAL_ADDRESS: { path: ['temporal', 'address'] },
  ALC_TEMPORAL_NAMESPACE: { path: ['temporal', 'namespace'] },
  ALC_TEMPORAL_TLS_CERT: { path: ['temporal', 'tls', 'clientCertPath'] },
  ALC_TEMPORAL_TLS_KEY: { path: ['temporal', 'tls', 'clientKeyPath'] },
  ALC_TEMPORAL_TLS_CA: { path: ['temporal', 'tls', 'serverRootCaCertPath'] },
  ALC_TEMPORAL_TLS_SERVER_NAME: { path: ['temporal', 'tls', 'serverNameOverride'] },
  ALC_S3_ENDPOINT: { path: ['s3', 'endpoint'] },
  ALC_S3_REGION: { path: ['s3', 'region'] },
  ALC_S3_BUCKET: { path: ['s3', 'bucket'] },
  ALC_S3_PREFIX: { path: ['s3', 'prefix'] },
  ALC_S3_FORCE_PATH_STYLE: { path: ['s3', 'forcePathStyle'], parse: parseBoolean },
  ALC_STACK_DIR: { path: ['stack', 'dataDir'] },
  ALC_TRAINER_WORK_DIR: { path: ['trainer', 'workDir'] },
  ALC_TRAINER_DEVICE: { path: ['trainer', 'device'] },
  ALC_INFERENCE_PROVIDER: { path: ['inference', 'provider'] },
};

/** The file's top-level switch that binds addresses to the running embedded stack. */
const FileSchema = z.looseObject({ useEmbeddedStack: z.boolean().optional() });

export interface LoadOptions {
  /** YAML file; default `$ALC_CONFIG`, else configs/local.yaml. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: ConnectionConfig;
  file: string;
  /** Set when addresses were taken from a running embedded stack. */
  embeddedStackDir?: string;
}

/**
 * Reads, overrides and validates the connection configuration. Throws {@link InputError} listing
 * every bad field (file, path, expectation).
 */
export async function loadConnectionConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = path.resolve(options.file ?? env.ALC_CONFIG ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read the configuration file (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new InputError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const top = FileSchema.safeParse(raw);
  if (!top.success) throw new InputError(formatZodIssues(file, top.error));
  const { useEmbeddedStack, ...fields } = top.data;
  applyEnvOverrides(fields, env);
  let embeddedStackDir: string | undefined;
  if (useEmbeddedStack) embeddedStackDir = bindToEmbeddedStack(fields, env);
  const parsed = ConnectionConfigSchema.safeParse(fields);
  if (!parsed.success) throw new InputError(formatZodIssues(file, parsed.error));
  const config = parsed.data;
  config.stack.dataDir = path.resolve(REPO_ROOT, config.stack.dataDir);
  return { config, file, embeddedStackDir };
}

function applyEnvOverrides(target: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, { path: fieldPath, parse }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(target, fieldPath, parse ? parse(value) : value);
  }
}

/**
 * The local stack may run on other ports than the defaults (`alc stack up --free-ports`): its state
 * file is the truth for where it listens, unless the environment says otherwise.
 */
function bindToEmbeddedStack(fields: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const stack = (fields.stack ?? {}) as { dataDir?: unknown };
  const dataDir = path.resolve(REPO_ROOT, typeof stack.dataDir === 'string' ? stack.dataDir : '.alc/stack');
  const state = existsSync(dataDir) ? readStackState(dataDir) : undefined;
  if (state) {
    if (!env.ALC_TEMPORAL_ADDRESS) setPath(fields, ['temporal', 'address'], state.temporal.address);
    if (!env.ALC_S3_ENDPOINT) setPath(fields, ['s3', 'endpoint'], state.s3.endpoint);
    if (!env.ALC_S3_BUCKET) setPath(fields, ['s3', 'bucket'], state.s3.bucket);
  }
  setPath(fields, ['s3', 'staticCredentials'], embeddedStackCredentials(env));
  return dataDir;
}

function setPath(target: Record<string, unknown>, fieldPath: string[], value: unknown): void {
  let node = target;
  for (const key of fieldPath.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[fieldPath[fieldPath.length - 1]] = value;
}

function parseBoolean(raw: string): unknown {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  return raw; // left for the schema to reject with a clear message
}

/** The keys the embedded S3 server is started with: the environment's, else the development pair. */
export function embeddedStackCredentials(env: NodeJS.ProcessEnv = process.env): { accessKeyId: string; secretAccessKey: string } {
  return env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
    : { ...DEV_S3_CREDENTIALS };
}
