/**
 * A2LC's automatic-correction step in the round and campaign workflows, on Temporal's
 * time-skipping test server with in-memory activities (the boundary under test is orchestration:
 * step order, the patch marker, what each activity is handed, the revert update's rules on the
 * round and on the campaign, and the CLI's routing between them, through the real `alc`). The real activities run in
 * test/integration/auto-correct-activities.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { revertAutoCorrections } from '../../cli/commands/campaign.js';
import { InputError } from '../../common/errors.js';
import { roundWorkflowId } from '../../configs/constants.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import { pauseSignal, resolveFailureUpdate, resumeSignal, revertAutoCorrectionsUpdate, roundProgressQuery, statusQuery } from '../../workflows/messages.js';
import { AUTO_CORRECT_PATCH, roundPrefixOf, type RoundCheckpoint, type RoundInput, type roundWorkflow } from '../../workflows/round.js';
import { answersFor, eventually, roundHandle, roundReaches, submit, uniqueName, withWorker, workflowBundle, type RoundHandle } from '../support/campaign-harness.js';
import { createFakeCampaignActivities, testCampaignConfig, type FakeCampaign } from '../support/fake-campaign-activities.js';
import { runCli } from '../support/run-cli.js';
import { createTimeSkippingEnvironment } from '../support/time-skipping.js';

function updateRejection(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(error)}`);
    assert.match(error.cause?.message ?? '', pattern);
    return true;
  };
}

/** Activity names in call order, from the first call of `from` to the first `to` after it. */
function callsBetween(fake: FakeCampaign, from: string, to: string): string[] {
  const names = fake.calls.map((c) => c.name as string);
  const start = names.indexOf(from);
  return names.slice(start, names.indexOf(to, start) + 1);
}

const autoOn = { mode: 'a2lc' as const, autoCorrection: { enabled: true } };

describe('A2LC automatic correction in the workflows (time-skipping server, fake activities)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    env = await createTimeSkippingEnvironment();
    await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });

  function startRound(taskQueue: string, input: RoundInput): Promise<RoundHandle> {
    return env.client.workflow.start<typeof roundWorkflow>('roundWorkflow', { taskQueue, workflowId: roundWorkflowId(input.campaignId, input.round), args: [input] });
  }

  /** The patch ids recorded in a workflow's history. */
  async function patchesOf(handle: RoundHandle): Promise<string[]> {
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const data = event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
    });
  }

  it('runs after expand and before train, hands each part its keys, and the next round starts from the corrected labels', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('auto');
    const fake = createFakeCampaignActivities();
    const config = testCampaignConfig(taskQueue, { rounds: 2, budgetPerRound: 4, ...autoOn });
    const r1 = roundPrefixOf(campaignId, 1);
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', { taskQueue, workflowId: campaignId, args: [{ config }] });
      for (const round of [1, 2]) {
        const handleOfRound = roundHandle(env, campaignId, round);
        const open = await roundReaches(handleOfRound, `round ${round} answers awaited`, (p) => p.status === 'awaiting-answers');
        // Undefined fields do not survive the query's JSON.
        assert.deepEqual(open.autoCorrection, { reverted: false });
        await submit(handleOfRound, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, round))));
      }
      const result = await handle.result();
      assert.equal(result.rounds[0].autoCorrections, undefined, 'round 0 makes none');
      assert.deepEqual(
        [result.rounds[1].autoCorrections, result.rounds[1].autoCorrectionPixels, result.rounds[1].humanLabelsPrefix, result.rounds[1].labelsPrefix, result.rounds[1].autoCorrectionsReverted],
        [3, 120, `${r1}labels/`, `${r1}labels-auto/`, undefined],
      );
      assert.equal(result.labelsPrefix, `${roundPrefixOf(campaignId, 2)}labels-auto/`);
      const round1 = roundHandle(env, campaignId, 1);
      const done = await round1.query(roundProgressQuery);
      assert.deepEqual(done.completedSteps, ['plan', 'class-weights', 'score', 'select', 'issue', 'annotate', 'expand', 'auto-correct', 'train', 'data-metrics', 'evaluate', 'report']);
      assert.deepEqual(done.autoCorrection, { corrections: 3, pixelsChanged: 120, correctionsKey: `${r1}auto-corrections.jsonl`, reverted: false });
      assert.deepEqual(await patchesOf(round1), [AUTO_CORRECT_PATCH]);
      assert.deepEqual(await patchesOf(roundHandle(env, campaignId, 0)), [], 'round 0 never asks for the patch');
    });

    assert.deepEqual(callsBetween(fake, 'expandAnswers', 'writeRoundReport'), [
      'expandAnswers', 'prepareAutoCorrection', 'trainLabelCorrector', 'applyAutoCorrections', 'trainSegmentationModel', 'dataMetrics', 'evaluateModel', 'writeRoundReport',
    ]);
    const shards = [0, 1, 2].map((k) => ({ arrayKey: `${r1}features/shard-${k}.npy`, rowsKey: `${r1}features/shard-${k}.jsonl` }));
    // Scoring writes each shard's classifier features (shards run concurrently, in any order).
    const scored = fake.inputsOf('scoreShard').filter((s) => s.recordsKey.startsWith(r1));
    assert.deepEqual(scored.map((s) => s.features).sort((a, b) => a!.arrayKey.localeCompare(b!.arrayKey)), shards);
    for (const s of scored) assert.equal(s.features?.rowsKey.replace('features/', 'scores/'), s.recordsKey);
    const [prepare] = fake.inputsOf('prepareAutoCorrection');
    assert.deepEqual(
      [prepare.labelsPrefix, prepare.queriedKey, prepare.featureKeys, prepare.answerBatchKeys, prepare.outputPrefix],
      [`${r1}labels/`, `${r1}queried.jsonl`, shards, [`${r1}answers/batch-0.jsonl`], `${r1}auto-correct/`],
    );
    const [classifier] = fake.inputsOf('trainLabelCorrector');
    assert.deepEqual(classifier, {
      featuresKey: `${r1}auto-correct/train-features.npy`,
      labelsKey: `${r1}auto-correct/train-labels.npy`,
      classWeightsKey: `${r1}auto-correct/class-weights.npy`,
      numClasses: 6,
      hyperparameters: { epochs: 100, batchSize: 8, learningRate: 1e-4, weightDecay: 0 },
      seed: 0,
      outputPrefix: `${r1}auto-correct/classifier/`,
    });
    const [apply] = fake.inputsOf('applyAutoCorrections');
    assert.deepEqual(
      [apply.labelsPrefix, apply.classifierPrefix, apply.relabelCounts, apply.minConfidence, apply.outputLabelsPrefix, apply.featureKeys],
      [`${r1}labels/`, `${r1}auto-correct/classifier/`, [0, 2, 1, 0, 3, 0], 0.99, `${r1}labels-auto/`, shards],
    );
    // Model r, data mIoU and round r+1 all use the corrected version.
    assert.equal(fake.inputsOf('trainSegmentationModel')[1].labelsPrefix, `${r1}labels-auto/`);
    assert.equal(fake.inputsOf('dataMetrics')[1].labelsPrefix, `${r1}labels-auto/`);
    assert.deepEqual(fake.inputsOf('planShards').map((p) => p.labelsPrefix), [undefined, `${r1}labels-auto/`]);
  });

  it('does not run when switched off, in mode alc, or in a round resumed from a checkpoint older than the step', async () => {
    const taskQueue = uniqueName('tq');
    const fake = createFakeCampaignActivities();
    // What a round of the code before the step carried through continue-as-new: no decision.
    const oldCheckpoint: RoundCheckpoint = { completed: [], skipped: [], answers: {}, batchKeys: [], nextBatch: 0, runs: 1 };
    const cases: { name: string; input: (campaignId: string) => RoundInput }[] = [
      { name: 'off', input: (campaignId) => ({ campaignId, round: 1, config: testCampaignConfig(taskQueue, { mode: 'a2lc' }), modelPrefix: 'm/' }) },
      { name: 'alc', input: (campaignId) => ({ campaignId, round: 1, config: testCampaignConfig(taskQueue, { mode: 'alc' }), modelPrefix: 'm/' }) },
      { name: 'resumed', input: (campaignId) => ({ campaignId, round: 1, config: testCampaignConfig(taskQueue, autoOn), modelPrefix: 'm/', resume: oldCheckpoint }) },
    ];
    await withWorker(env, taskQueue, fake, async () => {
      for (const { name, input } of cases) {
        const campaignId = uniqueName(name);
        const handle = await startRound(taskQueue, input(campaignId));
        const open = await roundReaches(handle, `${name}: answers awaited`, (p) => p.status === 'awaiting-answers');
        assert.equal(open.autoCorrection, undefined, name);
        await assert.rejects(handle.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), updateRejection(name === 'alc' ? /mode alc makes no automatic corrections/ : name === 'off' ? /autoCorrection\.enabled is off/ : /started before the automatic-correction step existed/));
        await submit(handle, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 1))));
        const result = await handle.result();
        assert.equal(result.labelsPrefix, `${roundPrefixOf(campaignId, 1)}labels/`, name);
        assert.equal(result.autoCorrections, undefined, name);
        assert.deepEqual(await patchesOf(handle), [], `${name}: no patch marker`);
      }
    });
    assert.equal(fake.inputsOf('prepareAutoCorrection').length, 0);
    assert.ok(fake.inputsOf('scoreShard').every((s) => s.features === undefined), 'no features written');
  });

  it('a revert on the running round: before the step it is not run, after it the round trains on the human labels, once it trains it is refused', async () => {
    /** One scenario: its own fake activities behind its own task queue. */
    const scenario = async (options: Parameters<typeof createFakeCampaignActivities>[0], body: (fake: FakeCampaign, taskQueue: string) => Promise<void>) => {
      const taskQueue = uniqueName('tq');
      const fake = createFakeCampaignActivities(options);
      await withWorker(env, taskQueue, fake, () => body(fake, taskQueue));
    };
    const start = (taskQueue: string, campaignId: string, round = 1) => startRound(taskQueue, { campaignId, round, config: testCampaignConfig(taskQueue, autoOn), modelPrefix: 'm/' });

    // Round 0 trains on the pseudo labels: nothing to revert (held at a failed train step to ask).
    await scenario({ failFirst: { trainSegmentationModel: 1 } }, async (_fake, taskQueue) => {
      const zero = await start(taskQueue, uniqueName('zero'), 0);
      await roundReaches(zero, 'round 0 at its failed train step', (p) => p.status === 'waiting-for-operator');
      await assert.rejects(zero.executeUpdate(revertAutoCorrectionsUpdate, { args: [0] }), updateRejection(/round 0 trains on the pseudo labels and makes no automatic corrections/));
      await zero.executeUpdate(resolveFailureUpdate, { args: ['retry'] });
      await zero.result();
    });

    // Before the step: accepted, the step is not run.
    await scenario({}, async (fake, taskQueue) => {
      const campaignId = uniqueName('early');
      const early = await start(taskQueue, campaignId);
      await roundReaches(early, 'answers awaited', (p) => p.status === 'awaiting-answers');
      await assert.rejects(early.executeUpdate(revertAutoCorrectionsUpdate, { args: [2] }), updateRejection(/this is round 1 of .*, not round 2/));
      assert.deepEqual(await early.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), { round: 1, by: 'round', reverted: 0 });
      await assert.rejects(early.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), updateRejection(/already reverted/));
      await submit(early, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 1))));
      const result = await early.result();
      assert.deepEqual(result.skippedSteps, ['auto-correct']);
      assert.deepEqual(
        [result.labelsPrefix, result.autoCorrections, result.autoCorrectionsReverted, result.humanLabelsPrefix],
        [`${roundPrefixOf(campaignId, 1)}labels/`, 0, true, undefined],
      );
      assert.equal(fake.inputsOf('prepareAutoCorrection').length, 0, 'the step did not run');
    });

    // After the step, before train (the round paused between them): accepted, train uses the human labels.
    await scenario({ delayMs: { applyAutoCorrections: 1500 } }, async (fake, taskQueue) => {
      const campaignId = uniqueName('late');
      const r1 = roundPrefixOf(campaignId, 1);
      const late = await start(taskQueue, campaignId);
      await roundReaches(late, 'answers awaited', (p) => p.status === 'awaiting-answers');
      await submit(late, answersFor(fake.queryIdsOf(r1)));
      await roundReaches(late, 'the auto-correct step', (p) => p.step === 'auto-correct');
      await late.signal(pauseSignal, 'review the automatic corrections');
      const paused = await roundReaches(late, 'paused after auto-correct', (p) => p.status === 'paused');
      assert.deepEqual(paused.autoCorrection, { corrections: 3, pixelsChanged: 120, correctionsKey: `${r1}auto-corrections.jsonl`, reverted: false });
      assert.deepEqual(await late.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), { round: 1, by: 'round', reverted: 3, labelsPrefix: `${r1}labels/` });
      assert.equal((await late.query(roundProgressQuery)).autoCorrection?.reverted, true);
      await late.signal(resumeSignal);
      const result = await late.result();
      assert.deepEqual(
        [result.labelsPrefix, result.humanLabelsPrefix, result.autoCorrections, result.autoCorrectionsReverted],
        [`${r1}labels/`, `${r1}labels/`, 3, true],
      );
      assert.deepEqual(fake.inputsOf('trainSegmentationModel').map((t) => t.labelsPrefix), [`${r1}labels/`]);
      assert.deepEqual(fake.inputsOf('dataMetrics').map((d) => d.labelsPrefix), [`${r1}labels/`]);
    });

    // Too late: the round reached its train step with the corrected labels (held there by a failure).
    await scenario({ failFirst: { trainSegmentationModel: 1 } }, async (fake, taskQueue) => {
      const campaignId = uniqueName('toolate');
      const tooLate = await start(taskQueue, campaignId);
      await roundReaches(tooLate, 'answers awaited', (p) => p.status === 'awaiting-answers');
      await submit(tooLate, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 1))));
      await roundReaches(tooLate, 'the failed train step', (p) => p.status === 'waiting-for-operator' && p.failure?.step === 'train');
      await assert.rejects(tooLate.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), updateRejection(/round 1 has reached its train step \(step: train\).*too late to revert/));
      await tooLate.executeUpdate(resolveFailureUpdate, { args: ['retry'] });
      assert.equal((await tooLate.result()).labelsPrefix, `${roundPrefixOf(campaignId, 1)}labels-auto/`);
    });
  });

  it('a revert on the campaign: its latest completed round, only before the next round starts; the CLI routes to whichever decides', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('camp');
    // The report step is slow enough to pause the campaign in it: round 1 completes, round 2 waits.
    const fake = createFakeCampaignActivities({ delayMs: { writeRoundReport: 1500 } });
    const config = testCampaignConfig(taskQueue, { rounds: 2, budgetPerRound: 4, ...autoOn });
    const r1 = roundPrefixOf(campaignId, 1);
    // The real `alc` executable, connected to the test server.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-revert-cli-'));
    const cliEnv = { ALC_CONFIG: path.join(dir, 'connection.yaml') };
    writeFileSync(cliEnv.ALC_CONFIG, `temporal: { address: "${env.address}", namespace: default }\ns3: { bucket: unused }\n`);
    try {
      await withWorker(env, taskQueue, fake, async () => {
        const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', { taskQueue, workflowId: campaignId, args: [{ config }] });
        const round1 = roundHandle(env, campaignId, 1);
        await roundReaches(round1, 'round 1 answers awaited', (p) => p.status === 'awaiting-answers');
        await assert.rejects(handle.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), updateRejection(/round 1 is running: its own workflow .* takes the revert/));
        await submit(round1, answersFor(fake.queryIdsOf(r1)));
        await roundReaches(round1, 'round 1 reporting', (p) => p.step === 'report');
        await handle.signal(pauseSignal, 'review round 1');
        await eventually('the campaign paused between rounds', async () => {
          const status = await handle.query(statusQuery);
          return status.paused && status.round === 2 && status.history.length === 2 ? status : undefined;
        });

        await assert.rejects(handle.executeUpdate(revertAutoCorrectionsUpdate, { args: [2] }), updateRejection(/round 2 has not completed \(latest completed round: 1\)/));
        await assert.rejects(handle.executeUpdate(revertAutoCorrectionsUpdate, { args: [0] }), updateRejection(/round 0 is not the latest completed round \(1\)/));
        // Through the CLI's routing: round 1's workflow has completed, so the campaign decides.
        assert.deepEqual(await revertAutoCorrections(env.client, campaignId, 1), { round: 1, by: 'campaign', reverted: 3, labelsPrefix: `${r1}labels/` });
        await assert.rejects(handle.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), updateRejection(/already reverted/));
        const reverted = await handle.query(statusQuery);
        assert.deepEqual([reverted.labelsPrefix, reverted.history[1].labelsPrefix, reverted.history[1].autoCorrectionsReverted], [`${r1}labels/`, `${r1}labels/`, true]);

        await handle.signal(resumeSignal);
        const round2 = roundHandle(env, campaignId, 2);
        await roundReaches(round2, 'round 2 answers awaited', (p) => p.status === 'awaiting-answers');
        await assert.rejects(handle.executeUpdate(revertAutoCorrectionsUpdate, { args: [1] }), updateRejection(/round 2 has already started from round 1's labels/));
        // The CLI sends a running round's revert to the round itself.
        const byCli = await runCli(['round', 'revert-auto', campaignId, '2', '--json'], cliEnv);
        assert.equal(byCli.code, 0, byCli.stderr);
        assert.deepEqual(JSON.parse(byCli.stdout), { round: 2, by: 'round', reverted: 0 });
        const refused = await runCli(['round', 'revert-auto', campaignId, '2'], cliEnv);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /already reverted/);
        await submit(round2, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 2))));
        const result = await handle.result();
        assert.equal(result.labelsPrefix, `${roundPrefixOf(campaignId, 2)}labels/`);
        await assert.rejects(revertAutoCorrections(env.client, campaignId, 2), (error: unknown) => error instanceof InputError && /is not running/.test(error.message));
        const closed = await runCli(['round', 'revert-auto', campaignId, '1'], cliEnv);
        assert.deepEqual([closed.code, /campaign .* is not running/.test(closed.stderr)], [2, true], closed.stderr);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Round 2 started from round 1's human-only labels; its own step never ran.
    assert.deepEqual(fake.inputsOf('planShards').map((p) => p.labelsPrefix), [undefined, `${r1}labels/`]);
    assert.deepEqual(fake.inputsOf('prepareAutoCorrection').map((p) => p.roundPrefix), [r1]);
  });
});
