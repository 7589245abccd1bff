import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ManifestSchema } from '../../datasets/manifest.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { alcLayoutFiles, FIXTURE_ITEMS, writeFiles } from '../unit/datasets/dataset-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

describe('dataset commands on s3:// locations of the real stack', () => {
  let stack: TestStack;
  let env: NodeJS.ProcessEnv;
  let store: ArtifactStore;
  before(async () => {
    stack = await startTestStack('alc-dataset-s3-');
    // configs/local.yaml finds the running test stack through its state file.
    env = { ALC_STACK_DIR: stack.dataDir, ALC_S3_BUCKET: stack.config.s3.bucket };
    store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket);
  });
  after(async () => {
    store?.client.destroy();
    await stack?.teardown();
  });

  it('imports a local alc-layout dataset into S3 and validates it there', async () => {
    const source = mkdtempSync(path.join(os.tmpdir(), 'alc-src-'));
    await writeFiles(source, await alcLayoutFiles());
    const target = `s3://${stack.config.s3.bucket}/datasets/fixture`;
    const imported = await runCli(['dataset', 'import', '--layout', 'alc', '--from', source, '--to', target, '--json'], env);
    rmSync(source, { recursive: true, force: true });
    assert.equal(imported.code, 0, imported.stderr);

    const manifest = await store.getJson('datasets/fixture/manifest.json', ManifestSchema);
    assert.deepEqual(manifest.items.map((item) => item.id).sort(), FIXTURE_ITEMS.map((item) => item.id).sort());
    for (const item of manifest.items) assert.equal(await store.exists(`datasets/fixture/${item.pseudoLabel}`), true);

    const validated = await runCli(['dataset', 'validate', '--dataset', target, '--json'], env);
    assert.equal(validated.code, 0, validated.stderr);
  });

  it('reports a corrupted object in S3 with its s3:// address', async () => {
    const source = mkdtempSync(path.join(os.tmpdir(), 'alc-src-'));
    await writeFiles(source, await alcLayoutFiles());
    const target = `s3://${stack.config.s3.bucket}/datasets/corrupt`;
    assert.equal((await runCli(['dataset', 'import', '--layout', 'alc', '--from', source, '--to', target], env)).code, 0);
    rmSync(source, { recursive: true, force: true });
    const manifest = await store.getJson('datasets/corrupt/manifest.json', ManifestSchema);
    const broken = `datasets/corrupt/${manifest.items[0].superpixels}`;
    await store.putBytes(broken, 'not a png');
    const validated = await runCli(['dataset', 'validate', '--dataset', target], env);
    assert.equal(validated.code, 2);
    assert.ok(`${validated.stdout}${validated.stderr}`.includes(`s3://${stack.config.s3.bucket}/${broken}`), validated.stdout + validated.stderr);
  });

  it('generates the synthetic dataset straight into S3, deterministic and valid', async () => {
    const target = `s3://${stack.config.s3.bucket}/datasets/synthetic`;
    const generated = await runCli(['dataset', 'generate', '--out', target, '--images', '12', '--seed', '7', '--json'], { ...env, SOURCE_DATE_EPOCH: '0' });
    assert.equal(generated.code, 0, generated.stderr);
    const summary = JSON.parse(generated.stdout) as { images: number };
    assert.equal(summary.images, 12);
    const manifest = await store.getJson('datasets/synthetic/manifest.json', ManifestSchema);
    assert.equal(manifest.items.length, 12);
    assert.equal(manifest.provenance.importer, 'synthetic');
    const validated = await runCli(['dataset', 'validate', '--dataset', target], env);
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);

    // The same command to a local directory writes the same bytes.
    const local = mkdtempSync(path.join(os.tmpdir(), 'alc-syn-'));
    assert.equal((await runCli(['dataset', 'generate', '--out', local, '--images', '12', '--seed', '7'], { ...env, SOURCE_DATE_EPOCH: '0' })).code, 0);
    for (const item of manifest.items.slice(0, 3)) {
      for (const file of [item.image, item.pseudoLabel, item.superpixels]) {
        assert.deepEqual(await store.getBytes(`datasets/synthetic/${file}`), await readFile(path.join(local, file)), file);
      }
    }
    rmSync(local, { recursive: true, force: true });
  });
});
