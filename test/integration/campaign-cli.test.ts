/**
 * A whole small campaign on the real stack (Temporal dev server + SeaweedFS) with the real CPU and
 * GPU workers (real round activities, the reference trainer, onnxruntime), driven through the
 * `alc campaign …` commands: start, status, a scripted annotator answering through the update
 * (one unknown query, then the same file again), list.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { registerCampaignCommands } from '../../cli/commands/campaign.js';
import { connectClient } from '../../connections/temporal.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { createCpuWorker } from '../../workers/cpu.js';
import { createGpuWorker } from '../../workers/gpu.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import { roundProgressQuery } from '../../workflows/messages.js';
import { eventually } from '../support/campaign-harness.js';
import { runCommand } from '../support/in-process-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

/** Runs `alc <args>` in-process (the campaign commands as registered) and returns what it printed on stdout. */
const alc = (...args: string[]) => runCommand(registerCampaignCommands, args);

describe('a campaign through the CLI on the real stack with real workers', () => {
  let stack: TestStack;
  let dir: string;
  const savedConfig = process.env.ALC_CONFIG;
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    stack = await startTestStack('alc-campaign-');
    dir = mkdtempSync(path.join(os.tmpdir(), 'alc-campaign-cli-'));
    const { config } = stack;
    const connectionFile = path.join(dir, 'connection.yaml');
    writeFileSync(
      connectionFile,
      `temporal: { address: "${config.temporal.address}", namespace: default }\n` +
        `s3: { endpoint: "${config.s3.endpoint}", bucket: ${config.s3.bucket}, forcePathStyle: true, staticCredentials: { accessKeyId: "${config.s3.staticCredentials!.accessKeyId}", secretAccessKey: "${config.s3.staticCredentials!.secretAccessKey}" } }\n`,
    );
    process.env.ALC_CONFIG = connectionFile;
    process.env.ALC_TEMPORAL_UI = stack.state.temporal.ui;
    const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
    await generateSyntheticDataset({ images: 16, seed: 1 }, new S3Location(store.at('datasets/cli/')));
  });
  after(async () => {
    process.env.ALC_CONFIG = savedConfig;
    delete process.env.ALC_TEMPORAL_UI;
    await stack?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts, answers through the update, and reports the rounds', { timeout: 300_000 }, async () => {
    const { config } = stack;
    const campaignFile = path.join(dir, 'campaign.yaml');
    writeFileSync(
      campaignFile,
      'name: cli\ndatasetPrefix: datasets/cli/\nrounds: 1\nbudgetPerRound: 5\nmode: a2lc\nshardSize: 5\nscoringConcurrency: 2\n' +
        'trainer: { hyperparameters: { epochs: 1 } }\nannotation: { deadline: 2 days, reminderEvery: 1 day }\n',
    );
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    const client = await connectClient(config.temporal);
    const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
    try {
      const cpu = await createCpuWorker({ config, connection });
      const gpu = await createGpuWorker({ config, connection });
      await cpu.runUntil(
        gpu.runUntil(async () => {
          const started = JSON.parse((await alc('campaign', 'start', campaignFile, '--id', 'cli-1', '--json')).stdout) as { campaignId: string; webUi: string };
          assert.equal(started.campaignId, 'cli-1');
          assert.equal(started.webUi, `${stack.state.temporal.ui}/namespaces/default/workflows/cli-1`);

          const round1 = client.workflow.getHandle('cli-1/round-1');
          await eventually('round 1 awaiting answers', async () => (await round1.query(roundProgressQuery)).status === 'awaiting-answers', 240_000);
          const status = JSON.parse((await alc('campaign', 'status', 'cli-1', '--json')).stdout) as { campaign: { status: string; history: unknown[] }; round: { queries: number } };
          assert.equal(status.campaign.status, 'awaiting-answers');
          assert.equal(status.campaign.history.length, 1);
          assert.equal(status.round.queries, 5);

          // The annotation app's view: queries.jsonl in S3. The scripted annotator confirms or relabels.
          const queries = (await store.getBytes('campaigns/cli-1/round-1/queries.jsonl')).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { queryId: string; label: number });
          assert.equal(queries.length, 5);
          const answersFile = path.join(dir, 'answers.jsonl');
          const lines = queries.map((q, i) => (i % 2 === 0 ? { queryId: q.queryId, answer: 'correct' } : { queryId: q.queryId, answer: 'relabel', class: q.label === 1 ? 2 : 1 }));
          writeFileSync(answersFile, [...lines.slice(0, 3), { queryId: 'no-such-image/1', answer: 'skip' }].map((l) => JSON.stringify(l)).join('\n'));
          const first = await alc('campaign', 'answer', 'cli-1', '1', '--answers', answersFile, '--annotator', 'script', '--batch-size', '2', '--json');
          const firstResult = JSON.parse(first.stdout) as { accepted: number; rejected: number; answered: number; total: number };
          assert.deepEqual([firstResult.accepted, firstResult.rejected, firstResult.answered, firstResult.total], [3, 1, 3, 5]);
          assert.equal(first.exitCode, 2, 'a rejected answer makes the command fail');

          writeFileSync(answersFile, lines.map((l) => JSON.stringify(l)).join('\n'));
          const second = JSON.parse((await alc('campaign', 'answer', 'cli-1', '1', '--answers', answersFile, '--json')).stdout) as { accepted: number; duplicates: number };
          assert.deepEqual([second.accepted, second.duplicates], [2, 3]);

          const result = await client.workflow.getHandle<typeof campaignWorkflow>('cli-1').result();
          assert.deepEqual(result.rounds.map((r) => [r.round, r.queries, r.answered]), [[0, 0, 0], [1, 5, 5]]);
          assert.ok(result.rounds[1].pixelsChanged > 0);
          assert.ok(result.rounds.every((r) => r.dataMIoU !== null && r.modelMIoU !== null));
          assert.equal(result.labelsPrefix, 'campaigns/cli-1/round-1/labels/');
          assert.ok(await store.exists('campaigns/cli-1/round-1/report.json'));
          assert.ok(await store.exists('campaigns/cli-1/round-1/model/model.onnx'));

          const text = (await alc('campaign', 'status', 'cli-1')).stdout;
          assert.match(text, /campaign cli-1 \(cli\): completed/);
          assert.match(text, /^1\s+5\s+5\s+\d+/m);
          const listed = await eventually('the campaign in the list', async () => {
            const rows = JSON.parse((await alc('campaign', 'list', '--json')).stdout) as { campaignId: string; status: string | null; execution: string }[];
            return rows.find((r) => r.campaignId === 'cli-1' && r.status === 'completed');
          });
          assert.equal(listed.execution, 'COMPLETED');
        }),
      );
    } finally {
      await client.connection.close();
      await connection.close();
    }
  });
});
