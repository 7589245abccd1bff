import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, VENV_DIR } from '../../common/paths.js';
import { ConnectionConfigSchema } from '../../configs/schema.js';
import { evaluateModel } from '../../activities/inference/evaluate-model.js';
import { scoreShard, type ShardContext } from '../../activities/inference/score-shard.js';
import { trainSegmentation } from '../../activities/train/train-segmentation.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { decodeSuperpixelPng } from '../../datasets/png.js';
import { decodeSoftLabels } from '../../engine/npy.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const run = promisify(execFile);

describe('inference activities: onnxruntime-node on a model the real trainer made', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  let checkpointKey: string;
  const inference = ConnectionConfigSchema.shape.inference.parse({});
  const progress: Array<{ done: number; total: number }> = [];
  const context: ShardContext = { report: (p) => progress.push(p), signal: new AbortController().signal, warn: () => undefined };

  before(async () => {
    stack = await startTestStack('alc-infer-');
    store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket);
    await generateSyntheticDataset({ images: 20, seed: 5 }, new S3Location(store.at('datasets/syn/')));
    // The core function the train activity wraps, with a terminal-style context.
    const trained = await trainSegmentation(
      { store, trainer: ConnectionConfigSchema.shape.trainer.parse({ workDir: mkdtempSync(path.join(os.tmpdir(), 'alc-infer-train-')) }) },
      { datasetPrefix: 'datasets/syn/', model: { config: 'tiny' }, hyperparameters: { epochs: 3 }, seed: 0, outputPrefix: 'models/m0/' },
      { report: () => undefined, signal: new AbortController().signal, log: () => undefined },
    );
    checkpointKey = trained.checkpointKey;
  });
  after(async () => {
    store?.client.destroy();
    await stack?.teardown();
  });

  it('scores a shard: one record per superpixel with a score, progress reported, soft labels dumped on request', async () => {
    const ids = ['syn-000001', 'syn-000002', 'syn-000003'];
    const result = await scoreShard(
      { store, inference },
      { modelPrefix: 'models/m0/', datasetPrefix: 'datasets/syn/', imageIds: ids, mode: 'a2lc', classWeights: [1, 1, 1, 1, 1, 1], recordsKey: 'rounds/1/shard-0.jsonl', dumpSoftLabelsPrefix: 'debug/p/', expansionPrefix: 'rounds/1/expansion/' },
      context,
    );
    assert.equal(result.images, 3);
    assert.equal(result.provider, 'cpu');
    const lines = (await store.getBytes(result.recordsKey)).toString().trim().split('\n');
    assert.equal(lines.length, result.superpixels);
    const records = lines.map((line) => JSON.parse(line) as { image: string; superpixel: number; sim: number; abc?: number; expansion: number });
    assert.deepEqual([...new Set(records.map((r) => r.image))], ids);
    for (const record of records) {
      assert.ok(record.expansion > 0);
      assert.equal(typeof record.abc, 'number');
      // With unit weights, abc is sim (same terms summed per class).
      assert.ok(Math.abs(record.abc! - record.sim) < 1e-9 * Math.max(1, record.sim));
    }
    assert.deepEqual(progress.at(-1), { done: 3, total: 3 });
    for (const id of ids) assert.equal(await store.exists(`debug/p/${id}.npy`), true);
    // Expansion maps: each scored superpixel's E has exactly `expansion` pixels marked with its id.
    const map = await decodeSuperpixelPng(await store.getBytes(`rounds/1/expansion/${ids[0]}.png`), ids[0]);
    const marked = new Map<number, number>();
    for (const id of map.data) if (id !== 0) marked.set(id, (marked.get(id) ?? 0) + 1);
    for (const record of records.filter((r) => r.image === ids[0])) assert.equal(marked.get(record.superpixel), record.expansion);
  });

  it('gives the same probabilities as PyTorch eager on the same weights, within 1e-4', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-torch-'));
    try {
      const ids = ['syn-000001', 'syn-000002'];
      writeFileSync(path.join(dir, 'checkpoint.pt'), await store.getBytes(checkpointKey));
      const images = await Promise.all(
        ids.map(async (id) => {
          const file = path.join(dir, `${id}.png`);
          writeFileSync(file, await store.getBytes(`datasets/syn/images/${id}.png`));
          return file;
        }),
      );
      await run(path.join(VENV_DIR, 'bin/python'), ['bench/reference/torch_predict.py', path.join(dir, 'checkpoint.pt'), '6', path.join(dir, 'torch'), ...images], {
        cwd: REPO_ROOT,
        env: { ...process.env, PYTHONPATH: REPO_ROOT },
      });
      for (const id of ids) {
        const ort = decodeSoftLabels(await store.getBytes(`debug/p/${id}.npy`), `${id} (onnxruntime)`);
        const torch = decodeSoftLabels(readFileSync(path.join(dir, 'torch', `${id}.npy`)), `${id} (torch)`);
        assert.deepEqual([ort.classes, ort.height, ort.width], [torch.classes, torch.height, torch.width]);
        let worst = 0;
        for (let i = 0; i < ort.data.length; i++) worst = Math.max(worst, Math.abs(ort.data[i] - torch.data[i]));
        assert.ok(worst <= 1e-4, `${id}: max |onnxruntime - torch| = ${worst}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates the model on the validation split (model mIoU)', async () => {
    const result = await evaluateModel({ store, inference }, { modelPrefix: 'models/m0/', datasetPrefix: 'datasets/syn/' }, context);
    assert.equal(result.images, 4); // 20 images, val fraction 0.2
    assert.ok(result.metrics.meanIoU !== null && result.metrics.meanIoU > 0 && result.metrics.meanIoU <= 1);
    assert.equal(result.metrics.classIoU.length, 6);
  });

  it('runs the same path from the CLI: alc infer on s3:// locations, alc train refusing a bad spec', async () => {
    const env = { ALC_STACK_DIR: stack.dataDir, ALC_S3_BUCKET: stack.config.s3.bucket };
    const bucket = stack.config.s3.bucket;
    const inferred = await runCli(
      ['infer', '--model', `s3://${bucket}/models/m0/`, '--dataset', `s3://${bucket}/datasets/syn/`, '--split', 'val', '--evaluate', '--out', `s3://${bucket}/cli/scores/`, '--json'],
      env,
    );
    assert.equal(inferred.code, 0, inferred.stderr);
    const summary = JSON.parse(inferred.stdout) as { provider: string; scored: { images: number }; evaluation: { images: number; metrics: { meanIoU: number } } };
    assert.equal(summary.scored.images, 4);
    assert.equal(summary.evaluation.images, 4);
    const direct = await evaluateModel({ store, inference }, { modelPrefix: 'models/m0/', datasetPrefix: 'datasets/syn/' }, context);
    assert.equal(summary.evaluation.metrics.meanIoU, direct.metrics.meanIoU, 'CLI and activity compute the same model mIoU');
    assert.equal(await store.exists('cli/scores/superpixels.jsonl'), true);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-train-spec-'));
    const spec = path.join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ datasetPrefix: 'datasets/syn/', model: { config: 'huge' }, seed: 0, outputPrefix: 'x/' }));
    const refused = await runCli(['train', '--spec', spec], env);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /spec\.json: model\.config: /);
  });
});
