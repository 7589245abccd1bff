/** The manifest rules of test/deploy/support/manifest-rules.ts find what they are meant to find. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { K8sObject } from '../../deploy/checks/render.js';
import { allProblems, durationSeconds, gracePeriodProblems, probeProblems, resourceProblems, secretProblems, securityProblems } from './support/manifest-rules.js';

/** A Deployment that keeps every rule; tests break one thing at a time. */
function goodDeployment(): K8sObject & { spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } } {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'w' },
    spec: {
      template: {
        spec: {
          terminationGracePeriodSeconds: 60,
          securityContext: { runAsNonRoot: true },
          volumes: [{ name: 'tmp', emptyDir: {} }],
          containers: [
            {
              name: 'c',
              args: ['worker', 'cpu', '--shutdown-grace', '30 seconds'],
              ports: [{ name: 'health', containerPort: 9464 }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 9464 } },
              resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
        },
      },
    },
  };
}

describe('manifest rules', () => {
  it('accept a deployment that keeps them', () => {
    assert.deepEqual(allProblems([goodDeployment()]), []);
  });

  it('report missing limits and requests', () => {
    const object = goodDeployment();
    object.spec.template.spec.containers[0].resources = { requests: { cpu: '1' } };
    assert.deepEqual(resourceProblems(object), [
      'Deployment/w container c: no requests.memory',
      'Deployment/w container c: no limits.cpu',
      'Deployment/w container c: no limits.memory',
    ]);
  });

  it('report a missing probe and a probe on an undeclared port', () => {
    const object = goodDeployment();
    const container = object.spec.template.spec.containers[0];
    delete container.livenessProbe;
    container.readinessProbe = { httpGet: { path: '/readyz', port: 9999 } };
    assert.deepEqual(probeProblems(object), ['Deployment/w container c: no livenessProbe', "Deployment/w container c: readinessProbe port 9999 is not one of the container's ports"]);
  });

  it('report each weakened security setting', () => {
    const object = goodDeployment();
    object.spec.template.spec.securityContext = {};
    object.spec.template.spec.containers[0].securityContext = { allowPrivilegeEscalation: true, readOnlyRootFilesystem: false, capabilities: { drop: ['NET_RAW'], add: ['SYS_ADMIN'] } };
    object.spec.template.spec.containers[0].volumeMounts = [];
    assert.equal(securityProblems(object).length, 6, securityProblems(object).join('\n'));
  });

  it('report inline Secret values and literal secret environment variables', () => {
    const secret: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, ...{ stringData: { password: 'hunter2' } } };
    assert.deepEqual(secretProblems(secret), ['Secret/s: stringData inlines password']);
    const object = goodDeployment();
    object.spec.template.spec.containers[0].env = [{ name: 'POSTGRES_PASSWORD', value: 'x' }, { name: 'POSTGRES_PASSWORD_FILE', value: '/run/p' }];
    assert.deepEqual(secretProblems(object), ['Deployment/w container c: POSTGRES_PASSWORD has a literal value (reference a Secret)']);
  });

  it('report a grace period shorter than the shutdown grace', () => {
    const object = goodDeployment();
    object.spec.template.spec.terminationGracePeriodSeconds = 30;
    assert.deepEqual(gracePeriodProblems(object), ['Deployment/w: terminationGracePeriodSeconds 30 < --shutdown-grace 30 seconds + 10 s']);
    assert.equal(durationSeconds('2 minutes'), 120);
    assert.equal(durationSeconds('90s'), 90);
    assert.throws(() => durationSeconds('soon'), /cannot read/);
  });
});
