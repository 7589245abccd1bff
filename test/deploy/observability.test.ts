/**
 * The alert rules (deploy/prometheus) and the Grafana dashboard (deploy/grafana) parse, cover what
 * issue 7 asks to watch, and read only metrics that are documented: the workers' and the Temporal
 * SDK's in observability/README.md, the annotation service's in annotation/README.md, outside
 * exporters' (KEDA, DCGM) in deploy/README.md.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from '../../common/paths.js';
import { DEPLOY_DIR } from '../../deploy/checks/render.js';
import { documentedNames, isDocumented, metricNames } from './support/promql.js';

const METRIC_DOCS = ['observability/README.md', 'annotation/README.md', 'deploy/README.md'];
const RULES_FILE = path.join(DEPLOY_DIR, 'prometheus', 'alc-alerts.yaml');
const PROMETHEUS_RULE = path.join(DEPLOY_DIR, 'k8s', 'components', 'monitoring', 'prometheus-rule.yaml');
const DASHBOARD = path.join(DEPLOY_DIR, 'grafana', 'alc-dashboard.json');

const RuleFileSchema = z
  .object({
    groups: z
      .array(
        z
          .object({
            name: z.string().min(1),
            rules: z
              .array(
                z
                  .object({
                    alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
                    expr: z.string().min(1),
                    for: z.string().regex(/^\d+[smhd]$/).optional(),
                    keep_firing_for: z.string().regex(/^\d+[smhd]$/).optional(),
                    labels: z.object({ severity: z.enum(['page', 'ticket']) }).catchall(z.string()),
                    annotations: z.object({ summary: z.string().min(1), description: z.string().min(1) }).catchall(z.string()),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
  panels?: Panel[];
}
const DashboardSchema = z.looseObject({
  uid: z.string().min(1),
  title: z.string().min(1),
  panels: z.array(z.looseObject({ id: z.number().int(), type: z.string(), title: z.string().min(1) })).min(1),
  templating: z.object({ list: z.array(z.looseObject({ name: z.string(), type: z.string() })) }),
});

let documented: Set<string>;

function undocumented(expr: string): string[] {
  return metricNames(expr).filter((name) => !isDocumented(name, documented));
}

describe('alert rules and dashboard', () => {
  before(async () => {
    documented = new Set();
    for (const doc of METRIC_DOCS) {
      const file = path.join(REPO_ROOT, doc);
      assert.ok(existsSync(file), `${doc} is missing: the metric names are documented there`);
      for (const name of documentedNames(await readFile(file, 'utf8'))) documented.add(name);
    }
  });

  it('the alert rules parse and alert on what issue 7 names', async () => {
    const rules = RuleFileSchema.parse(parse(await readFile(RULES_FILE, 'utf8')));
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    for (const wanted of ['AlcRoundWaitingForOperator', 'AlcGpuQueueBacklogOld', 'AlcActivityFailureRate', 'AlcAnnotationDeadlineNear']) {
      assert.ok(alerts.includes(wanted), `no alert ${wanted}`);
    }
    assert.equal(new Set(alerts).size, alerts.length, 'alert names are unique');
  });

  it('every alert reads only documented metrics', async () => {
    const rules = RuleFileSchema.parse(parse(await readFile(RULES_FILE, 'utf8')));
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      assert.ok(metricNames(rule.expr).length > 0, `${rule.alert}: reads no metric`);
      assert.deepEqual(undocumented(rule.expr), [], `${rule.alert}: undocumented metrics`);
    }
  });

  it("the Prometheus Operator's PrometheusRule carries the same groups", async () => {
    const rules = parse(await readFile(RULES_FILE, 'utf8')) as { groups: unknown };
    const resource = parse(await readFile(PROMETHEUS_RULE, 'utf8')) as { kind: string; spec: { groups: unknown } };
    assert.equal(resource.kind, 'PrometheusRule');
    assert.deepEqual(resource.spec.groups, rules.groups);
  });

  it('the dashboard parses, shows campaign progress, worker health and GPU use, and reads only documented metrics', async () => {
    const dashboard = DashboardSchema.parse(JSON.parse(await readFile(DASHBOARD, 'utf8'))) as unknown as { panels: Panel[]; templating: { list: { name: string; type: string }[] } };
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const rows = panels.filter((p) => p.type === 'row').map((p) => p.title);
    assert.deepEqual(rows, ['Campaign progress', 'Worker health', 'GPU use']);
    assert.ok(dashboard.templating.list.some((v) => v.type === 'datasource'), 'a datasource variable, so it imports into any Grafana');
    let targets = 0;
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has no query`);
      for (const target of panel.targets ?? []) {
        targets++;
        assert.ok(metricNames(target.expr).length > 0, `panel "${panel.title}" ${target.refId}: reads no metric`);
        assert.deepEqual(undocumented(target.expr), [], `panel "${panel.title}" ${target.refId}: undocumented metrics`);
      }
    }
    assert.ok(targets >= 20, `only ${targets} queries`);
  });
});
