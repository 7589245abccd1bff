import { readFile } from 'node:fs/promises';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { InputError, UnavailableError } from '../common/errors.js';
import type { TemporalConfig } from '../configs/schema.js';

/** mTLS material from the files the configuration names (Temporal Cloud), or plaintext. */
async function tlsOptions(config: TemporalConfig): Promise<TLSConfig | undefined> {
  if (!config.tls) return undefined;
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new InputError(`temporal.tls: cannot read the ${what} ${file} (${(error as Error).message})`);
    }
  };
  return {
    clientCertPair: { crt: await read(config.tls.clientCertPath, 'client certificate'), key: await read(config.tls.clientKeyPath, 'client key') },
    serverRootCACertificate: config.tls.serverRootCaCertPath ? await read(config.tls.serverRootCaCertPath, 'server CA certificate') : undefined,
    serverNameOverride: config.tls.serverNameOverride,
  };
}

function unreachable(config: TemporalConfig, error: unknown): UnavailableError {
  return new UnavailableError(
    `cannot reach Temporal at ${config.address} (${(error as Error).message}); is the stack up? (\`alc stack up\`)`,
  );
}

/** A client for CLIs and services: one per process, created at start-up. */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  const tls = await tlsOptions(config);
  try {
    const connection = await Connection.connect({ address: config.address, tls, connectTimeout: 5000 });
    return new Client({ connection, namespace: config.namespace });
  } catch (error) {
    throw unreachable(config, error);
  }
}

/** The worker-side (Rust core) connection. */
export async function connectWorkerConnection(config: TemporalConfig): Promise<NativeConnection> {
  const tls = await tlsOptions(config);
  try {
    return await NativeConnection.connect({ address: config.address, tls });
  } catch (error) {
    throw unreachable(config, error);
  }
}
