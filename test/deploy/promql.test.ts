/** The metric-name scanner of test/deploy/support/promql.ts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { documentedNames, isDocumented, metricNames } from './support/promql.js';

describe('PromQL metric names', () => {
  it('finds the series an expression reads and nothing else', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.9, sum by (le, task_queue) (rate(temporal_activity_schedule_to_start_latency_bucket{task_queue="alc-gpu"}[15m]))) / 1000 > 15 * 60'),
      ['temporal_activity_schedule_to_start_latency_bucket'],
    );
    assert.deepEqual(
      metricNames('sum by (campaign) (alc_a{x=~"$campaign"}) and on (campaign, round) (max(alc_b[$__range]) - time()) < 6 * 3600 or on () vector(0)'),
      ['alc_a', 'alc_b'],
    );
    assert.deepEqual(metricNames('absent(up) unless bool 1e3 > 2'), ['up']);
  });

  it('takes backticked names with an underscore as documented, histograms by their base name', () => {
    const documented = documentedNames('| `alc_x_seconds` | histogram |, `campaign`, `temporal_y`');
    assert.deepEqual([...documented].sort(), ['alc_x_seconds', 'temporal_y']);
    assert.ok(isDocumented('alc_x_seconds_bucket', documented));
    assert.ok(!isDocumented('alc_z_bucket', documented));
    assert.ok(!isDocumented('alc_x', documented));
  });
});
