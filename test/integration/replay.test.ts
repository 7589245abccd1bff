/**
 * Replays the recorded histories (test/fixtures/histories, written by scripts/record-histories.ts)
 * against the current workflow bundle: a change to workflow code that running campaigns would not
 * survive fails here with a DeterminismViolationError. Such changes go behind patched().
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJson } from '../support/history-json.js';
import { workflowBundle } from '../support/campaign-harness.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const CHANGED = fileURLToPath(new URL('../support/workflows/changed-round.ts', import.meta.url));

/** index.json (written by the recorder) maps each file to its workflow id. */
const INDEX_FILE = 'index.json';

function fixtures() {
  const workflowIds = JSON.parse(readFileSync(path.join(FIXTURES, INDEX_FILE), 'utf8')) as Record<string, string>;
  return readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.json') && name !== INDEX_FILE)
    .sort()
    .map((name) => {
      const workflowId = workflowIds[name];
      if (workflowId === undefined) throw new Error(`${name} is not in ${INDEX_FILE}: record fixtures with scripts/record-histories.ts`);
      return { name, workflowId, history: historyFromJson(JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'))) };
    });
}

async function replay(bundle: WorkflowBundleWithSourceMap, histories: ReturnType<typeof fixtures>) {
  const results: { name: string; error?: Error }[] = [];
  let next = 0;
  // One history at a time, in order: several runs of a chain share a workflow id.
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    results.push({ name: histories[next++]?.name ?? result.workflowId, error: result.error });
  }
  return results;
}

describe('replay of recorded campaign and round histories', () => {
  let histories: ReturnType<typeof fixtures>;
  before(() => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    histories = fixtures();
  });

  it('has fixtures of campaigns (with continue-as-new runs) and rounds', () => {
    const types = histories.map((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name);
    assert.ok(histories.length >= 10, `only ${histories.length} fixtures`);
    assert.ok(types.filter((t) => t === 'campaignWorkflow').length >= 4);
    assert.ok(types.filter((t) => t === 'roundWorkflow').length >= 5);
    const continued = histories.filter((h) => h.history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes);
    assert.ok(continued.length >= 2, 'continue-as-new runs are recorded');
  });

  it('every history replays against the current workflow code', async () => {
    const results = await replay(await workflowBundle(), histories);
    assert.equal(results.length, histories.length);
    const failed = results.filter((r) => r.error !== undefined).map((r) => `${r.name}: ${r.error?.name}: ${r.error?.message}`);
    assert.deepEqual(failed, []);
  });

  it('an incompatible change fails the replay (DeterminismViolationError)', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: CHANGED, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
    const results = await replay(changed, histories.slice(0, 3));
    assert.equal(results.length, 3);
    for (const result of results) assert.ok(result.error instanceof DeterminismViolationError, `${result.name}: ${String(result.error)}`);
  });
});
