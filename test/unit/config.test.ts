import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../common/errors.js';
import { DEV_S3_CREDENTIALS } from '../../configs/constants.js';
import { loadConnectionConfig } from '../../configs/load.js';
import { REPO_ROOT } from '../../common/paths.js';
import { writeStackState } from '../../stack/state.js';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('connection configuration', () => {
  it('loads the shipped local and production examples', async () => {
    const local = await loadConnectionConfig({ file: path.join(REPO_ROOT, 'configs/local.yaml'), env: {} });
    assert.equal(local.config.s3.bucket, 'alc');
    assert.equal(local.config.s3.forcePathStyle, true);
    assert.deepEqual(local.config.s3.staticCredentials, DEV_S3_CREDENTIALS);
    assert.equal(local.config.taskQueues.gpu, 'alc-gpu');
    const production = await loadConnectionConfig({ file: path.join(REPO_ROOT, 'configs/production.example.yaml'), env: {} });
    assert.equal(production.config.temporal.tls?.clientCertPath, '/etc/alc/temporal-tls/tls.crt');
    assert.equal(production.config.s3.endpoint, undefined);
    assert.equal(production.config.s3.staticCredentials, undefined, 'production uses the AWS default credential chain');
    assert.equal(production.embeddedStackDir, undefined);
  });

  it('applies environment overrides, including booleans', async () => {
    const file = tempFile('c.yaml', 's3:\n  bucket: from-file\n');
    const { config } = await loadConnectionConfig({
      file,
      env: { ALC_S3_BUCKET: 'from-env', ALC_S3_FORCE_PATH_STYLE: 'true', ALC_TEMPORAL_ADDRESS: 'temporal.internal:7233', ALC_TEMPORAL_TLS_CERT: '/c', ALC_TEMPORAL_TLS_KEY: '/k' },
    });
    assert.equal(config.s3.bucket, 'from-env');
    assert.equal(config.s3.forcePathStyle, true);
    assert.equal(config.temporal.address, 'temporal.internal:7233');
    assert.deepEqual(config.temporal.tls, { clientCertPath: '/c', clientKeyPath: '/k' });
  });

  it('lists every bad field with its path and what was expected', async () => {
    const file = tempFile('bad.yaml', 'temporal:\n  address: no-port\ns3:\n  bucket: Bad_Bucket\n  maxAttempts: 0\n  colour: red\n');
    await assert.rejects(loadConnectionConfig({ file, env: { ALC_S3_FORCE_PATH_STYLE: 'maybe' } }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      const lines = error.message.split('\n');
      assert.ok(lines.every((line) => line.startsWith(`${file}: `)), error.message);
      assert.ok(lines.some((line) => line.includes('temporal.address: expected HOST:PORT')), error.message);
      assert.ok(lines.some((line) => line.includes('s3.bucket: expected an S3 bucket name')), error.message);
      assert.ok(lines.some((line) => line.includes('s3.maxAttempts')), error.message);
      assert.ok(lines.some((line) => line.includes('s3.forcePathStyle')), error.message);
      assert.ok(lines.some((line) => /colour/.test(line)), error.message);
      return true;
    });
  });

  it('reports a missing file and invalid YAML with the file name', async () => {
    await assert.rejects(loadConnectionConfig({ file: '/nonexistent/alc.yaml', env: {} }), /\/nonexistent\/alc\.yaml: cannot read/);
    const file = tempFile('broken.yaml', 's3: [unclosed\n');
    await assert.rejects(loadConnectionConfig({ file, env: {} }), (error: unknown) => error instanceof InputError && error.message.startsWith(`${file}: not valid YAML`));
  });

  it('binds to a running embedded stack on other ports through its state file', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'alc-stack-state-'));
    mkdirSync(dataDir, { recursive: true });
    writeStackState({
      dataDir,
      startedAt: new Date().toISOString(),
      temporal: { address: '127.0.0.1:41000', ui: 'http://127.0.0.1:41001', namespace: 'default', pid: 1, dbFile: 'x' },
      s3: { endpoint: 'http://127.0.0.1:41002', bucket: 'alc', region: 'us-east-1', pid: 1, ports: {} },
    });
    const file = tempFile('local.yaml', `useEmbeddedStack: true\ns3:\n  bucket: alc\n  forcePathStyle: true\nstack:\n  dataDir: ${dataDir}\n`);
    const loaded = await loadConnectionConfig({ file, env: {} });
    assert.equal(loaded.config.temporal.address, '127.0.0.1:41000');
    assert.equal(loaded.config.s3.endpoint, 'http://127.0.0.1:41002');
    assert.equal(loaded.embeddedStackDir, dataDir);
    const overridden = await loadConnectionConfig({ file, env: { ALC_TEMPORAL_ADDRESS: 'elsewhere:7233', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } });
    assert.equal(overridden.config.temporal.address, 'elsewhere:7233');
    assert.deepEqual(overridden.config.s3.staticCredentials, { accessKeyId: 'a', secretAccessKey: 'b' });
  });
});
