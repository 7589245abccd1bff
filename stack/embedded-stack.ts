import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { UnavailableError } from '../common/errors.js';
import { SEARCH_ATTRIBUTE_FLAGS } from '../configs/constants.js';
import { createS3Client } from '../storage/s3-client.js';
import { ensureBucket, s3Answers, temporalIsServing, waitUntil } from './health.js';
import { findFreePort, findFreePortPair, isPortFree } from './ports.js';
import { isAlive, spawnDetached, stopProcess } from './processes.js';
import { readStackState, removeStackState, writeStackState, type StackState } from './state.js';
import { toolPath } from './tools.js';

export interface StackUpOptions {
  dataDir: string;
  temporalPort: number;
  temporalUiPort: number;
  s3Port: number;
  /** When a requested port is taken: false = fail and say which; true = take a free one. */
  freePorts: boolean;
  namespace: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Search attributes registered at namespace creation (`NAME=Keyword` etc.); default: the
   * campaign workflows' ({@link SEARCH_ATTRIBUTE_FLAGS}). Missing ones are added after start, so an
   * older database gains them too.
   */
  searchAttributes?: readonly string[];
  timeoutMs?: number;
}

export interface StackUpResult {
  state: StackState;
  alreadyRunning: boolean;
  /** Ports that were taken and replaced (only with `freePorts`). */
  replacedPorts: string[];
}

const LOOPBACK = '127.0.0.1';

/**
 * Starts the Temporal dev server (SQLite in the data dir, so workflows survive restarts) and
 * SeaweedFS (`weed mini`, S3 API), waits until both answer, creates the bucket, and records where
 * they listen in `<dataDir>/stack.json`. Idempotent: a healthy running stack is left as it is.
 */
export async function stackUp(options: StackUpOptions): Promise<StackUpResult> {
  const dataDir = path.resolve(options.dataDir);
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const existing = readStackState(dataDir);
  if (existing) {
    if (isAlive(existing.temporal.pid) && isAlive(existing.s3.pid)) return { state: existing, alreadyRunning: true, replacedPorts: [] };
    await stopStackProcesses(existing); // half-dead stack from a crash: clear it, keep the data
    removeStackState(dataDir);
  }

  const temporalBin = toolPath('temporal');
  const weedBin = toolPath('weed');
  const { ports, replaced } = await choosePorts(options);

  const dbFile = path.join(dataDir, 'temporal.sqlite');
  const temporalLog = path.join(logDir, 'temporal.log');
  const temporalArgs = [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', LOOPBACK,
    '--port', String(ports.temporal),
    '--ui-port', String(ports.ui),
    '--namespace', options.namespace,
    '--log-format', 'json',
    '--log-level', 'warn',
    ...(options.searchAttributes ?? SEARCH_ATTRIBUTE_FLAGS).flatMap((attribute) => ['--search-attribute', attribute]),
  ];
  const temporalPid = spawnDetached(temporalBin, temporalArgs, temporalLog);

  const weedDir = path.join(dataDir, 'seaweedfs');
  mkdirSync(weedDir, { recursive: true });
  const weedLog = path.join(logDir, 'seaweedfs.log');
  const weedArgs = [
    // glog writes its INFO files to the OS temp dir unless told otherwise.
    `-logdir=${logDir}`,
    'mini',
    `-dir=${weedDir}`,
    `-ip=${LOOPBACK}`,
    `-ip.bind=${LOOPBACK}`,
    `-s3.port=${ports.s3}`,
    `-master.port=${ports.master}`,
    `-volume.port=${ports.volume}`,
    `-filer.port=${ports.filer}`,
    `-admin.port=${ports.admin}`,
    '-admin.ui=false',
    '-webdav=false',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    '-master.telemetry=false',
    // Match AWS: a misspelt bucket is an error, not a new bucket.
    '-s3.autoCreateBucket=false',
  ];
  const weedPid = spawnDetached(weedBin, weedArgs, weedLog, {
    ...process.env,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
  });

  const state: StackState = {
    dataDir,
    startedAt: new Date().toISOString(),
    temporal: {
      address: `${LOOPBACK}:${ports.temporal}`,
      ui: `http://${LOOPBACK}:${ports.ui}`,
      namespace: options.namespace,
      pid: temporalPid,
      dbFile,
    },
    s3: {
      endpoint: `http://${LOOPBACK}:${ports.s3}`,
      bucket: options.bucket,
      region: options.region,
      pid: weedPid,
      ports: { s3: ports.s3, master: ports.master, volume: ports.volume, filer: ports.filer, admin: ports.admin },
    },
  };

  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    const s3 = createS3Client({
      endpoint: state.s3.endpoint,
      region: options.region,
      bucket: options.bucket,
      forcePathStyle: true,
      maxAttempts: 1,
      prefix: '',
      staticCredentials: options.credentials,
    });
    await Promise.all([
      waitUntil(() => temporalIsServing(state.temporal.address), { timeoutMs, pid: temporalPid, describe: `Temporal dev server (log: ${temporalLog})` }),
      waitUntil(() => s3Answers(s3, options.bucket), { timeoutMs, pid: weedPid, describe: `SeaweedFS (log: ${weedLog})` }),
    ]);
    await ensureBucket(s3, options.bucket);
    s3.destroy();
    // `--search-attribute` only applies when the namespace is created: an existing database
    // (an older stack's) may lack some.
    const connection = await Connection.connect({ address: state.temporal.address, connectTimeout: 5000 });
    try {
      await registerSearchAttributes(connection, options.namespace, options.searchAttributes ?? SEARCH_ATTRIBUTE_FLAGS);
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stopStackProcesses(state);
    throw new UnavailableError(`${(error as Error).message}\n${tailOf(temporalLog)}${tailOf(weedLog)}`.trim());
  }
  writeStackState(state);
  return { state, alreadyRunning: false, replacedPorts: replaced };
}

const GRPC_UNIMPLEMENTED = 12;

const INDEXED_VALUE_TYPES: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  Text: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Adds the search attributes (`NAME=Type`, default: the campaign workflows') that the namespace
 * lacks, through the operator service; returns the names added. Works on the dev server, a
 * cluster, and the time-skipping test server.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  attributes: readonly string[] = SEARCH_ATTRIBUTE_FLAGS,
): Promise<string[]> {
  const wanted: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {};
  for (const attribute of attributes) {
    const [name, type] = attribute.split('=');
    const indexed = INDEXED_VALUE_TYPES[type];
    if (!name || indexed === undefined) throw new UnavailableError(`search attribute "${attribute}": expected NAME=${Object.keys(INDEXED_VALUE_TYPES).join('|')}`);
    wanted[name] = indexed;
  }
  const known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    for (const name of [...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]) known.add(name);
  } catch (error) {
    // The time-skipping test server implements adding but not listing.
    if ((error as { code?: number }).code !== GRPC_UNIMPLEMENTED) throw error;
  }
  const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => !known.has(name)));
  if (Object.keys(missing).length > 0) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return Object.keys(missing);
}

/** Stops both services (SIGTERM, then SIGKILL after a grace period); the data stays for the next `up`. */
export async function stackDown(dataDir: string): Promise<'stopped' | 'not-running'> {
  const state = readStackState(path.resolve(dataDir));
  if (!state) return 'not-running';
  await stopStackProcesses(state);
  removeStackState(state.dataDir);
  return 'stopped';
}

export interface StackStatus {
  running: boolean;
  state?: StackState;
  temporalServing: boolean;
  s3Answering: boolean;
}

export async function stackStatus(dataDir: string, credentials: StackUpOptions['credentials']): Promise<StackStatus> {
  const state = readStackState(path.resolve(dataDir));
  if (!state) return { running: false, temporalServing: false, s3Answering: false };
  const [temporalServing, s3Answering] = await Promise.all([
    temporalIsServing(state.temporal.address).catch(() => false),
    (async () => {
      const s3 = createS3Client({ endpoint: state.s3.endpoint, region: state.s3.region, bucket: state.s3.bucket, forcePathStyle: true, maxAttempts: 1, prefix: '', staticCredentials: credentials });
      try {
        return await s3Answers(s3, state.s3.bucket);
      } catch {
        return false;
      } finally {
        s3.destroy();
      }
    })(),
  ]);
  return { running: isAlive(state.temporal.pid) && isAlive(state.s3.pid), state, temporalServing, s3Answering };
}

async function stopStackProcesses(state: StackState): Promise<void> {
  await Promise.all([stopProcess(state.temporal.pid), stopProcess(state.s3.pid)]);
}

interface ChosenPorts {
  temporal: number;
  ui: number;
  s3: number;
  master: number;
  volume: number;
  filer: number;
  admin: number;
}

async function choosePorts(options: StackUpOptions): Promise<{ ports: ChosenPorts; replaced: string[] }> {
  // SeaweedFS also binds HTTP port + 10000 for gRPC; the S3 port's companion must be free too.
  const wanted = [
    { name: 'Temporal gRPC', flag: '--temporal-port', port: options.temporalPort, pairOffset: 0 },
    { name: 'Temporal Web UI', flag: '--ui-port', port: options.temporalUiPort, pairOffset: 0 },
    { name: 'S3', flag: '--s3-port', port: options.s3Port, pairOffset: 10000 },
  ];
  const chosen: number[] = [];
  const busy: string[] = [];
  const replaced: string[] = [];
  for (const want of wanted) {
    const free = (await isPortFree(want.port, LOOPBACK)) && (want.pairOffset === 0 || (await isPortFree(want.port + want.pairOffset, LOOPBACK)));
    if (free) {
      chosen.push(want.port);
      continue;
    }
    const taken = want.pairOffset ? `${want.port} (or its gRPC companion ${want.port + want.pairOffset})` : String(want.port);
    const port = want.pairOffset ? await findFreePortPair(want.pairOffset, LOOPBACK, new Set(chosen)) : await findFreePort(LOOPBACK);
    if (!options.freePorts) {
      busy.push(`${want.name} port ${taken} is in use: ${want.flag} ${port} is free`);
      continue;
    }
    replaced.push(`${want.name}: ${taken} was in use, using ${port}`);
    chosen.push(port);
  }
  if (busy.length > 0) {
    throw new UnavailableError(`${busy.join('\n')}\nor run \`alc stack up --free-ports\` to take free ports (they are recorded in the stack's state, where the CLI finds them).`);
  }
  const used = new Set(chosen);
  const internal: number[] = [];
  for (let i = 0; i < 4; i++) {
    const port = await findFreePortPair(10000, LOOPBACK, used);
    used.add(port);
    used.add(port + 10000);
    internal.push(port);
  }
  const [temporal, ui, s3] = chosen;
  const [master, volume, filer, admin] = internal;
  return { ports: { temporal, ui, s3, master, volume, filer, admin }, replaced };
}

function tailOf(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return text ? `--- last lines of ${file} ---\n${text}\n` : '';
  } catch {
    return '';
  }
}
