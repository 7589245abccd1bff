import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionConfigSchema, type ConnectionConfig } from '../../configs/schema.js';
import { DEV_S3_CREDENTIALS } from '../../configs/constants.js';
import { stackDown, stackUp, type StackUpOptions } from '../../stack/embedded-stack.js';
import type { StackState } from '../../stack/state.js';

export interface TestStack {
  dataDir: string;
  state: StackState;
  config: ConnectionConfig;
  upOptions: StackUpOptions;
  /** Stops the services and deletes the data dir. Safe to call twice. */
  teardown(): Promise<void>;
}

/** A real embedded stack (Temporal dev server + SeaweedFS) on free ports in a temporary data dir. */
export async function startTestStack(namePrefix = 'alc-test-'): Promise<TestStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), namePrefix));
  const upOptions: StackUpOptions = {
    dataDir,
    temporalPort: 0,
    temporalUiPort: 0,
    s3Port: 0,
    freePorts: true,
    namespace: 'default',
    bucket: 'alc-test',
    region: 'us-east-1',
    credentials: { ...DEV_S3_CREDENTIALS },
  };
  const { state } = await stackUp(await withFreePorts(upOptions));
  // If the test process dies before teardown, the detached services must not outlive it.
  const killOnExit = () => {
    for (const pid of [state.temporal.pid, state.s3.pid]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', killOnExit);
  let tornDown = false;
  return {
    dataDir,
    state,
    upOptions,
    config: configFor(state),
    async teardown() {
      if (tornDown) return;
      tornDown = true;
      process.off('exit', killOnExit);
      await stackDown(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Port 0 is never "free" to bind as asked; pick real free ports so the stack records them. */
async function withFreePorts(options: StackUpOptions): Promise<StackUpOptions> {
  const { findFreePort, findFreePortPair } = await import('../../stack/ports.js');
  const temporalPort = await findFreePort();
  const temporalUiPort = await findFreePort();
  const s3Port = await findFreePortPair(10000, '127.0.0.1', new Set([temporalPort, temporalUiPort]));
  return { ...options, temporalPort, temporalUiPort, s3Port };
}

export function configFor(state: StackState): ConnectionConfig {
  return ConnectionConfigSchema.parse({
    temporal: { address: state.temporal.address, namespace: state.temporal.namespace },
    s3: {
      endpoint: state.s3.endpoint,
      region: state.s3.region,
      bucket: state.s3.bucket,
      forcePathStyle: true,
      staticCredentials: { ...DEV_S3_CREDENTIALS },
    },
    stack: { dataDir: state.dataDir },
  });
}
