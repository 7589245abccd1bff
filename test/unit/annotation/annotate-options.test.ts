import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseLatency } from '../../../cli/commands/annotate.js';

describe('alc annotate --latency', () => {
  it('reads none, a fixed time, or a uniform range', () => {
    assert.equal(parseLatency('0ms'), undefined);
    assert.equal(parseLatency('0'), undefined);
    assert.deepEqual(parseLatency('2s'), { kind: 'fixed', ms: 2000 });
    assert.deepEqual(parseLatency('250'), { kind: 'fixed', ms: 250 });
    assert.deepEqual(parseLatency('1s..1.5 minutes'), { kind: 'uniform', minMs: 1000, maxMs: 90_000 });
  });

  it('refuses what is not a duration or a range', () => {
    for (const bad of ['soon', '2 fortnights', '5s..1s', '1s..2s..3s', '-1s']) assert.throws(() => parseLatency(bad), InvalidArgumentError, bad);
  });
});
