/**
 * The annotator web page end to end, in real headless Chromium: the real stack (Temporal dev
 * server + SeaweedFS), real CPU and GPU workers running a one-round campaign on a small synthetic
 * dataset, the real annotation service (in-process, as `alc serve` runs it) and a token from
 * `alc token create`. The page is driven as a person would: sign in, answer one batch by keyboard
 * (Y, a class number, undo, type-ahead, S) and one by mouse; the round's progress moves in the
 * page, and after the round expands the answers the new label version in S3 carries the relabels
 * and nothing else. Also: the layout at 1366x768 and 2560x1440, sign-out, a revoked token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Browser, Locator, Page } from 'playwright-core';
import { startAnnotationService, type AnnotationService } from '../../annotation/service.js';
import { TokenStore } from '../../annotation/tokens.js';
import { CampaignConfigSchema, resolveCampaignConfig } from '../../configs/campaign.js';
import { roundWorkflowId, WORKFLOW_TYPES } from '../../configs/constants.js';
import { connectClient } from '../../connections/temporal.js';
import { decodeSuperpixelPng } from '../../datasets/png.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { createCpuWorker } from '../../workers/cpu.js';
import { createGpuWorker } from '../../workers/gpu.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import { CAMPAIGN_ATTRIBUTE, roundProgressQuery, STATUS_ATTRIBUTE } from '../../workflows/messages.js';
import { roundPrefixOf } from '../../workflows/round.js';
import { roundKeys } from '../../activities/round/keys.js';
import { launchChromium, withFailureScreenshots } from '../support/browser.js';
import { eventually } from '../support/campaign-harness.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const CAMPAIGN = 'web-1';
const DATASET = 'datasets/web/';
const QUERIES = 6;
/** Two batches: one answered by keyboard, one by mouse. */
const BATCH = 3;

interface ShownQuery {
  queryId: string;
  label: number;
}
type Answer = { answer: 'correct' | 'skip' } | { answer: 'relabel'; class: number };

describe('the annotator web page in real Chromium, on the real stack and service', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  let client: Client;
  let connection: NativeConnection;
  let workers: { worker: Worker; running: Promise<void> }[] = [];
  let service: AnnotationService | undefined;
  let dir: string | undefined;
  let token: string;
  let tokenId: string;
  let browser: Browser;
  let classes: { id: number; name: string }[];

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const [started, launched] = await Promise.all([startTestStack('alc-browser-'), launchChromium()]);
    stack = started;
    browser = launched;
    const { config } = stack;
    store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
    const dataset = new S3Location(store.at(DATASET));
    await generateSyntheticDataset({ images: 16, seed: 3 }, dataset);
    const manifest = (await DatasetReader.open(dataset)).manifest;
    classes = manifest.classes.map((c) => ({ id: c.id, name: c.name }));

    connection = await NativeConnection.connect({ address: config.temporal.address });
    client = await connectClient(config.temporal);
    for (const worker of [await createCpuWorker({ config, connection }), await createGpuWorker({ config, connection })]) {
      workers.push({ worker, running: worker.run() });
    }
    const campaignConfig = resolveCampaignConfig(
      CampaignConfigSchema.parse({
        name: 'web',
        datasetPrefix: DATASET,
        rounds: 1,
        budgetPerRound: QUERIES,
        mode: 'alc',
        shardSize: 8,
        scoringConcurrency: 2,
        trainer: { hyperparameters: { epochs: 1 } },
        annotation: { deadline: '2 days', reminderEvery: '1 day' },
      }),
      classes.map((c) => c.id),
    );
    await client.workflow.start<typeof campaignWorkflow>(WORKFLOW_TYPES.campaign, {
      workflowId: CAMPAIGN,
      taskQueue: campaignConfig.taskQueues.cpu,
      args: [{ campaignId: CAMPAIGN, config: campaignConfig }],
      typedSearchAttributes: [{ key: CAMPAIGN_ATTRIBUTE, value: CAMPAIGN }, { key: STATUS_ATTRIBUTE, value: 'running' }],
    });

    // The service (no token cache: a revoked token is refused at once), and a token as an operator
    // makes one, while round 0 trains.
    service = await startAnnotationService({ config, port: 0, tokenCacheTtlMs: 0 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'alc-browser-'));
    const connectionFile = path.join(dir, 'connection.yaml');
    const credentials = config.s3.staticCredentials!;
    writeFileSync(
      connectionFile,
      `temporal: { address: "${config.temporal.address}", namespace: default }\n` +
        `s3: { endpoint: "${config.s3.endpoint}", bucket: ${config.s3.bucket}, forcePathStyle: true, staticCredentials: { accessKeyId: "${credentials.accessKeyId}", secretAccessKey: "${credentials.secretAccessKey}" } }\n`,
    );
    const created = await runCli(['token', 'create', '--annotator', 'web-tester', '--campaign', CAMPAIGN, '--json'], { ALC_CONFIG: connectionFile });
    assert.equal(created.code, 0, `alc token create failed: ${created.stderr}`);
    ({ token, tokenId } = JSON.parse(created.stdout) as { token: string; tokenId: string });
    await eventually(
      'round 1 to await answers',
      async () => (await client.workflow.getHandle(roundWorkflowId(CAMPAIGN, 1)).query(roundProgressQuery)).status === 'awaiting-answers',
      240_000,
    );
  });

  after(async () => {
    await browser?.close();
    await service?.close();
    for (const { worker } of workers) worker.shutdown();
    await Promise.allSettled(workers.map((w) => w.running));
    workers = [];
    await client?.connection.close();
    await connection?.close();
    await stack?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    return context.newPage();
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${service!.url}/?batch=${BATCH}`);
    await page.getByLabel('Annotation token').fill('alc_0000000000000000_not-a-real-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-error').getByText('not accepted').waitFor();
    await page.getByLabel('Annotation token').fill(token);
    await page.keyboard.press('Enter');
  }

  /** The query on screen once its picture is shown: its id and current label, as the page shows them. */
  async function shownQuery(page: Page, position: number): Promise<ShownQuery> {
    await page.locator('#batch-text').getByText(`Query ${position} of ${BATCH} in this batch`).waitFor();
    await page.locator('#asset:not([hidden])').waitFor();
    await page.waitForFunction("document.querySelector('#asset').complete");
    const figure = page.locator('figure.stage');
    const queryId = await figure.getAttribute('data-query-id');
    const label = Number(await figure.getAttribute('data-label'));
    assert.ok(queryId, 'the page names the query it shows');
    assert.match(await page.locator('#label-number').innerText(), new RegExp(`\\(${label}\\)`));
    return { queryId, label };
  }

  /** A class other than `label` whose number is not the start of another class's number (one key answers). */
  function oneKeyClassOtherThan(label: number): number {
    const ids = [...classes.map((c) => c.id), 255];
    return ids.find((id) => id !== label && id !== 255 && !ids.some((other) => other !== id && String(other).startsWith(String(id))))!;
  }
  function classOtherThan(...excluded: number[]): { id: number; name: string } {
    return classes.find((c) => !excluded.includes(c.id) && c.id !== 0)!;
  }

  it('fits a 1366x768 laptop screen and a 2560x1440 monitor: picture and class list without scrolling', async (t) => {
    const page = await openPage({ width: 1366, height: 768 });
    await withFailureScreenshots(t, page, async () => {
      await signIn(page);
      await shownQuery(page, 1);
      for (const viewport of [{ width: 1366, height: 768 }, { width: 2560, height: 1440 }]) {
        await page.setViewportSize(viewport);
        const size = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]');
        assert.ok(size[0] <= viewport.width && size[1] <= viewport.height, `the page scrolls at ${viewport.width}x${viewport.height}: ${size.join('x')}`);
        const inView = async (what: string, locator: Locator) => {
          const box = await locator.boundingBox();
          assert.ok(box, `${what} is not shown`);
          const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
          assert.ok(inside, `${what} is not in view at ${viewport.width}x${viewport.height}: ${JSON.stringify(box)}`);
          return box;
        };
        const picture = await inView('the picture', page.locator('#asset'));
        assert.ok(picture.width >= viewport.width * 0.4, `the picture takes ${picture.width} of ${viewport.width} pixels`);
        await inView('the Correct button', page.locator('#answer-correct'));
        const classButtons = page.locator('#class-list button');
        assert.equal(await classButtons.count(), classes.length + 1, 'every class and "ignore" are listed');
        for (const button of await classButtons.all()) await inView(`class ${await button.getAttribute('data-class')}`, button);
      }
      // Keyboard help, and signing out gives the leased batch back.
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByLabel('Annotation token').waitFor();
      assert.equal(await page.evaluate("sessionStorage.getItem('alc.token')"), null, 'the token is forgotten on sign-out');
    });
    await page.context().close();
  });

  it('answers a batch by keyboard and one by mouse; the round takes them and relabels; a revoked token signs out', { timeout: 300_000 }, async (t) => {
    const page = await openPage({ width: 1366, height: 768 });
    const given = new Map<string, Answer>();
    await withFailureScreenshots(t, page, async () => {
      await signIn(page);

      // Batch 1, keyboard: Y; a class number, undone with U and replaced by type-ahead; S.
      const q1 = await shownQuery(page, 1);
      await page.keyboard.press('y');
      given.set(q1.queryId, { answer: 'correct' });

      const q2 = await shownQuery(page, 2);
      await page.keyboard.press(String(oneKeyClassOtherThan(q2.label)));
      await shownQuery(page, 3);
      await page.keyboard.press('u');
      assert.equal((await shownQuery(page, 2)).queryId, q2.queryId, 'undo goes back to the query answered last');
      await page.locator('#last-answer').getByText('Undone').waitFor();
      const typed = classOtherThan(q2.label, oneKeyClassOtherThan(q2.label));
      await page.keyboard.press('/');
      await page.keyboard.type(typed.name);
      await page.locator('#class-hint').getByText(`relabel to ${typed.name}`).waitFor();
      await page.keyboard.press('Enter');
      given.set(q2.queryId, { answer: 'relabel', class: typed.id });

      const q3 = await shownQuery(page, 3);
      await page.keyboard.press('s');
      given.set(q3.queryId, { answer: 'skip' });

      // The batch went in one request; the header counts the round's answers.
      await page.locator('#round-progress-text').getByText(`${BATCH} / ${QUERIES} answered`).waitFor();
      await page.locator('#status').getByText(`Batch sent: ${BATCH} accepted`).waitFor();
      assert.equal(await page.locator('#mine-text').innerText(), `· yours: ${BATCH}`);

      // Batch 2, mouse: a class from the list; skip undone and replaced by correct; correct.
      const q4 = await shownQuery(page, 1);
      const clicked = classOtherThan(q4.label);
      await page.locator(`#class-list button[data-class="${clicked.id}"]`).click();
      given.set(q4.queryId, { answer: 'relabel', class: clicked.id });

      const q5 = await shownQuery(page, 2);
      await page.getByRole('button', { name: 'Skip' }).click();
      await shownQuery(page, 3);
      await page.getByRole('button', { name: 'Undo' }).click();
      assert.equal((await shownQuery(page, 2)).queryId, q5.queryId);
      await page.getByRole('button', { name: 'Correct' }).click();
      given.set(q5.queryId, { answer: 'correct' });

      const q6 = await shownQuery(page, 3);
      await page.getByRole('button', { name: 'Correct' }).click();
      given.set(q6.queryId, { answer: 'correct' });

      await page.locator('#round-progress-text').getByText(`${QUERIES} / ${QUERIES} answered`).waitFor();
      await page.getByRole('heading', { name: 'Nothing to answer now' }).waitFor();

      // A revoked token sends the page back to the sign-in form, saying why.
      await new TokenStore(store).revoke(tokenId);
      await page.getByRole('button', { name: 'Check now' }).click();
      await page.locator('#login-error').getByText('no longer accepted').waitFor();
      assert.equal(await page.evaluate("sessionStorage.getItem('alc.token')"), null);
    });
    await page.context().close();
    assert.equal(given.size, QUERIES, 'six different queries were shown');

    // The round expands the answers into a new label version: relabelled regions carry their new
    // class, confirmed and skipped ones keep the labels they had.
    const result = await client.workflow.getHandle<typeof campaignWorkflow>(CAMPAIGN).result();
    const round = result.rounds.find((r) => r.round === 1)!;
    assert.equal(round.answered, QUERIES);
    assert.ok(round.labelsPrefix, 'round 1 wrote a label version');
    const dataset = new S3Location(store.at(DATASET));
    const before = await DatasetReader.open(dataset);
    const afterLabels = await DatasetReader.open(dataset, new S3Location(store.at(round.labelsPrefix)));
    let changed = 0;
    for (const [queryId, answer] of given) {
      const [image, superpixelText] = queryId.split('/');
      const superpixel = Number(superpixelText);
      const expansionKey = roundKeys.expansionMap(roundPrefixOf(CAMPAIGN, 1), image);
      const expansion = await decodeSuperpixelPng(await store.getBytes(expansionKey), expansionKey);
      const [old, updated] = [(await before.workingLabels(image)).data, (await afterLabels.workingLabels(image)).data];
      let pixels = 0;
      for (let i = 0; i < expansion.data.length; i++) {
        if (expansion.data[i] !== superpixel) continue;
        pixels++;
        const expected = answer.answer === 'relabel' ? answer.class : old[i];
        if (updated[i] !== expected) assert.fail(`${queryId} (${answer.answer}): pixel ${i} is ${updated[i]}, expected ${expected}`);
        if (updated[i] !== old[i]) changed++;
      }
      assert.ok(pixels > 0, `${queryId} has an expansion set`);
    }
    assert.ok(changed > 0, 'the relabels changed pixels');
    assert.equal(round.pixelsChanged, changed, 'the round counts exactly the pixels the page relabelled');
  });
});
