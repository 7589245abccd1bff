/**
 * `alc report` and `alc export` on the real stack (Temporal dev server + SeaweedFS):
 * - a real campaign workflow (fake compute activities, the real `writeRoundReport` into S3) is
 *   reported from its status query; with no worker to answer the query, and after its execution
 *   is deleted (as retention would), the same rows come from the rounds' report.json in S3;
 * - a campaign that exists only as round reports and label versions in S3 (written here, as the
 *   round activities would) is reported, compared on one chart, and exported in both formats to
 *   a local directory and to S3, read back pixel for pixel.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { z } from 'zod';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { WorkflowNotFoundError } from '@temporalio/client';
import { writeRoundReport } from '../../activities/round/round-report.js';
import { compareCodePoints } from '../../common/order.js';
import { roundWorkflowId, WORKFLOW_TYPES } from '../../configs/constants.js';
import { connectClient } from '../../connections/temporal.js';
import { readManifest } from '../../datasets/manifest-file.js';
import type { DatasetManifest } from '../../datasets/manifest.js';
import { decodeLabelPng, encodeLabelPng, type LabelMap } from '../../datasets/png.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { decodeRle, rleFromString } from '../../exports/coco-rle.js';
import { reportRowOf } from '../../reports/report-data.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import type { RoundSummary } from '../../workflows/messages.js';
import { answersFor, eventually, roundReaches, submit, uniqueName, workflowBundle, type RoundHandle } from '../support/campaign-harness.js';
import { createFakeCampaignActivities, testCampaignConfig } from '../support/fake-campaign-activities.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

/** Runs the real `alc` binary against the test stack. */
function alc(...args: string[]): Promise<CliResult> {
  return runCli(args, { ALC_CONFIG: connectionFile });
}

async function reportJsonOf(...args: string[]): Promise<{ json: ReportJson; stderr: string }> {
  const run = await alc('report', ...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return { json: JSON.parse(run.stdout) as ReportJson, stderr: run.stderr };
}

interface ReportJson {
  campaignId: string;
  label: string;
  source: string;
  rounds: unknown[];
  compare?: { campaignId: string; label: string; source: string; rounds: unknown[] }[];
}

let connectionFile = '';
const DATASET = 'datasets/report-export/';
/** The S3-only campaign: its rounds as the round activities would have left them. */
const S3_CAMPAIGN = 'archived-1';
const S3_ROUNDS: RoundSummary[] = [
  { round: 0, queries: 0, answered: 0, pixelsChanged: 0, dataMIoU: 0.58, modelMIoU: 0.83, modelPrefix: `campaigns/${S3_CAMPAIGN}/round-0/model/` },
  { round: 1, queries: 5, answered: 4, pixelsChanged: 321, dataMIoU: 0.7, modelMIoU: 0.85, labelsPrefix: `campaigns/${S3_CAMPAIGN}/round-1/labels/`, modelPrefix: `campaigns/${S3_CAMPAIGN}/round-1/model/` },
  { round: 2, queries: 5, answered: 5, pixelsChanged: 100, dataMIoU: 0.75, modelMIoU: null, autoCorrections: 3, labelsPrefix: `campaigns/${S3_CAMPAIGN}/round-2/labels/`, modelPrefix: `campaigns/${S3_CAMPAIGN}/round-2/model/` },
];

describe('alc report and alc export on the real stack', () => {
  let stack: TestStack;
  let dir: string;
  let store: ArtifactStore;
  let manifest: DatasetManifest;
  /** Per round of the S3 campaign, the labels every image must be exported with. */
  const exported = new Map<number, Map<string, LabelMap>>();

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    stack = await startTestStack('alc-report-');
    dir = mkdtempSync(path.join(os.tmpdir(), 'alc-report-cli-'));
    const { config } = stack;
    connectionFile = path.join(dir, 'connection.yaml');
    writeFileSync(
      connectionFile,
      `temporal: { address: "${config.temporal.address}", namespace: default }\n` +
        `s3: { endpoint: "${config.s3.endpoint}", bucket: ${config.s3.bucket}, forcePathStyle: true, staticCredentials: { accessKeyId: "${config.s3.staticCredentials!.accessKeyId}", secretAccessKey: "${config.s3.staticCredentials!.secretAccessKey}" } }\n`,
    );
    store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
    const dataset = new S3Location(store.at(DATASET));
    await generateSyntheticDataset({ images: 10, seed: 3, width: 48, height: 32 }, dataset);
    manifest = await readManifest(dataset);

    // Round r relabels the first r rows of every train image to class r; val images keep their ground truth.
    for (const summary of S3_ROUNDS) {
      const round = summary.round;
      const labels = new Map<string, LabelMap>();
      for (const item of manifest.items) {
        if (item.split === 'val') {
          labels.set(item.id, await decodeLabelPng(await dataset.read(item.groundTruth!), item.groundTruth!));
          continue;
        }
        const pseudo = await decodeLabelPng(await dataset.read(item.pseudoLabel), item.pseudoLabel);
        const map = { ...pseudo, data: pseudo.data.slice() };
        map.data.fill(round, 0, round * map.width);
        labels.set(item.id, map);
        if (summary.labelsPrefix) await store.putBytes(`${summary.labelsPrefix}${item.id}.png`, await encodeLabelPng(map, manifest.classes));
      }
      exported.set(round, labels);
      const roundPrefix = `campaigns/${S3_CAMPAIGN}/round-${round}/`;
      await writeRoundReport({ store }, { campaignId: S3_CAMPAIGN, round, roundPrefix, datasetPrefix: DATASET, report: summary });
    }
    // Round 3 is under way: a folder without a report is no completed round.
    await store.putBytes(`campaigns/${S3_CAMPAIGN}/round-3/queries.jsonl`, '{}\n');
  });

  after(async () => {
    await stack?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a campaign workflow from its status query, then from S3 once the workflow cannot answer or is gone', { timeout: 180_000 }, async () => {
    const { config } = stack;
    const taskQueue = uniqueName('report');
    const campaignId = uniqueName('wf');
    const fake = createFakeCampaignActivities({ images: 6 });
    // The real report activity, so the rounds' report.json land in S3 as in production.
    const activities = { ...fake.activities, writeRoundReport: (input: Parameters<typeof writeRoundReport>[1]) => writeRoundReport({ store }, input) };
    const client = await connectClient(config.temporal);
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    try {
      const worker = await Worker.create({ connection, taskQueue, workflowBundle: await workflowBundle(), activities });
      let rows: unknown[] = [];
      await worker.runUntil(async () => {
        const campaignConfig = { ...testCampaignConfig(taskQueue, { rounds: 2, budgetPerRound: 3 }), datasetPrefix: DATASET };
        const handle = await client.workflow.start<typeof campaignWorkflow>(WORKFLOW_TYPES.campaign, { workflowId: campaignId, taskQueue, args: [{ campaignId, config: campaignConfig }] });
        for (const round of [1, 2]) {
          const roundHandle: RoundHandle = client.workflow.getHandle(roundWorkflowId(campaignId, round));
          await roundReaches(roundHandle, `round ${round} awaiting answers`, (p) => p.status === 'awaiting-answers', 60_000);
          await submit(roundHandle, answersFor(fake.queryIdsOf(`campaigns/${campaignId}/round-${round}/`)));
        }
        const result = await handle.result();
        rows = result.rounds.map(reportRowOf);
        assert.equal(rows.length, 3);

        const { json } = await reportJsonOf(campaignId);
        assert.equal(json.source, 'workflow');
        assert.equal(json.label, 'test (alc, sim)', 'name and strategy from the workflow input');
        assert.deepEqual(json.rounds, rows);
        assert.deepEqual(
          json.rounds.map((r) => Object.keys(r as object)),
          rows.map(() => ['round', 'queries', 'answered', 'pixelsChanged', 'dataMIoU', 'modelMIoU']),
        );
      });

      // No worker polls the queue now: the query of the closed workflow times out (the table view).
      const unanswered = await alc('report', campaignId, '--query-timeout', '1');
      assert.equal(unanswered.code, 0, unanswered.stderr);
      assert.match(unanswered.stderr, /status query failed.*reading the rounds' report\.json from S3/);
      assert.match(unanswered.stdout, new RegExp(`^campaign ${campaignId}$`, 'm'));
      assert.match(unanswered.stdout, /^round\s+queries\s+answered\s+pixels changed\s+data mIoU\s+model mIoU$/m);
      assert.match(unanswered.stdout, /^2\s+3\s+3\s+100\s+70\.0\s+80\.0$/m, 'round 2: 3 queries, 3 answers, 1 relabel x 100 pixels, fake metrics');

      // Retention deletes the history: the report.json in S3 still tell the story. Compared on one chart
      // with the campaign that only ever existed in S3.
      await client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: campaignId } });
      await eventually('the execution deleted', async () => (await client.workflow.getHandle(campaignId).describe().then(() => false, (e: unknown) => e instanceof WorkflowNotFoundError)) || undefined);
      const htmlFile = path.join(dir, 'compare.html');
      const pngFile = path.join(dir, 'compare.png');
      const { json, stderr } = await reportJsonOf(S3_CAMPAIGN, '--html', htmlFile, '--png', pngFile, '--width', '700', '--height', '420', '--compare', campaignId);
      assert.match(stderr, new RegExp(`no workflow "${campaignId}" on Temporal`));
      assert.match(stderr, /no workflow "archived-1" on Temporal/);
      assert.deepEqual([json.campaignId, json.source, json.label], [S3_CAMPAIGN, 's3', S3_CAMPAIGN]);
      assert.deepEqual(json.rounds, S3_ROUNDS.map(reportRowOf));
      assert.equal((json.rounds[2] as { autoCorrections?: number }).autoCorrections, 3);
      assert.deepEqual(json.compare?.map((c) => [c.campaignId, c.source, c.label]), [[campaignId, 's3', campaignId]]);
      assert.deepEqual(json.compare?.[0].rounds, rows);

      const meta = await sharp(readFileSync(pngFile)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 700, 420]);
      const html = readFileSync(htmlFile, 'utf8');
      assert.equal(html.split('class="point"').length - 1, 3 + 2 + 3 + 3, `${S3_CAMPAIGN}: 3 data + 2 model values; ${campaignId}: 3 + 3`);
      assert.ok(html.includes(`<h2>${S3_CAMPAIGN}</h2>`) && html.includes(`<h2>${campaignId}</h2>`));
    } finally {
      await connection.close();
      await client.connection.close();
    }
  });

  it('exports the latest completed round as VOC palette PNGs to a local directory', async () => {
    const out = path.join(dir, 'voc');
    const run = await alc('export', S3_CAMPAIGN, '--format', 'voc-png', '--out', out, '--json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { round: number; images: number; labels: string };
    assert.deepEqual([summary.round, summary.images, summary.labels], [2, 10, `s3://alc-test/campaigns/${S3_CAMPAIGN}/round-2/labels/`]);
    for (const [id, want] of exported.get(2)!) {
      const file = path.join(out, 'SegmentationClass', `${id}.png`);
      assert.deepEqual(await decodeLabelPng(readFileSync(file), file), want, id);
    }
    const train = manifest.items.filter((i) => i.split === 'train').map((i) => i.id).sort(compareCodePoints);
    assert.equal(readFileSync(path.join(out, 'ImageSets/Segmentation/train.txt'), 'utf8'), `${train.join('\n')}\n`);
  });

  it('exports an earlier round as COCO RLE to S3', async () => {
    const run = await alc('export', S3_CAMPAIGN, '--round', '1', '--format', 'coco-rle', '--out', 's3://alc-test/exports/archived-r1');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /exported campaign archived-1 round 1 \(coco-rle\) to s3:\/\/alc-test\/exports\/archived-r1\//);
    const coco = (await store.getJson('exports/archived-r1/annotations.json', z.any())) as {
      images: { id: number; file_name: string; width: number; height: number }[];
      annotations: { image_id: number; category_id: number; segmentation: { counts: string }; area: number }[];
    };
    assert.equal(coco.images.length, 10);
    for (const image of coco.images) {
      const id = image.file_name.replace(/\.png$/, '');
      const want = exported.get(1)!.get(id)!;
      const rebuilt = new Uint8Array(want.data.length).fill(255);
      for (const annotation of coco.annotations.filter((a) => a.image_id === image.id)) {
        const mask = decodeRle(rleFromString(annotation.segmentation.counts), image.height, image.width);
        mask.forEach((on, i) => {
          if (on) rebuilt[i] = annotation.category_id;
        });
      }
      assert.deepEqual(rebuilt, want.data, id);
      assert.ok(await store.exists(`exports/archived-r1/images/${image.file_name}`));
    }
  });

  it('exits 2 on a round that did not complete and on a campaign that does not exist', async () => {
    const [round, missing] = await Promise.all([
      alc('export', S3_CAMPAIGN, '--round', '3', '--format', 'voc-png', '--out', path.join(dir, 'none')),
      alc('report', 'never-started'),
    ]);
    assert.equal(round.code, 2, round.stderr);
    assert.match(round.stderr, /--round 3: not a completed round of campaign "archived-1" \(completed: 0, 1, 2\)/);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /campaign "never-started": no workflow on Temporal and no round report under s3:\/\/alc-test\/campaigns\/never-started\//);
  });
});
