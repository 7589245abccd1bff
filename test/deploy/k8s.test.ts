/**
 * Renders every overlay of deploy/k8s with the pinned kubectl (no cluster, no helm) and checks the
 * objects: containers (limits, probes, security context), secrets, grace periods, the GPU worker,
 * autoscaling, disruption budgets, network policies, and the configuration the pods read.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConnectionConfig, ENV_OVERRIDES } from '../../configs/load.js';
import { SEARCH_ATTRIBUTE_FLAGS, TASK_QUEUES } from '../../configs/constants.js';
import { OVERLAYS_DIR, overlayNames, parseObjects, renderOverlay, type K8sObject } from '../../deploy/checks/render.js';
import { allProblems, argValue, podSpecOf, type Container, type PodSpec } from './support/manifest-rules.js';
import { sourceEnvNames } from './support/env-names.js';

const rendered = new Map<string, K8sObject[]>();

function objects(overlay: string): K8sObject[] {
  const found = rendered.get(overlay);
  assert.ok(found, `overlay ${overlay} was not rendered`);
  return found;
}

function find(overlay: string, kind: string, name: string): K8sObject {
  const object = objects(overlay).find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(object, `overlay ${overlay} has no ${kind}/${name}`);
  return object;
}

/** The ALC workloads (base/), as opposed to the local overlay's SeaweedFS, PostgreSQL and jobs. */
function alcDeployments(overlay: string): K8sObject[] {
  return objects(overlay).filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'alc');
}

function containersOf(object: K8sObject): Container[] {
  const spec = podSpecOf(object);
  return spec ? [...spec.containers, ...(spec.initContainers ?? [])] : [];
}

/** A ConfigMap's name with kustomize's content hash suffix. */
function configMap(overlay: string, prefix: string): { data: Record<string, string> } {
  const map = objects(overlay).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${prefix}-`));
  assert.ok(map, `overlay ${overlay} has no ConfigMap ${prefix}`);
  return map as unknown as { data: Record<string, string> };
}

describe('Kubernetes overlays (kubectl kustomize)', () => {
  before(async () => {
    for (const overlay of overlayNames()) rendered.set(overlay, parseObjects(overlay, await renderOverlay(overlay)));
  });

  it('has the local and production overlays, each rendering the three ALC workloads', () => {
    assert.deepEqual(overlayNames(), ['local', 'production']);
    for (const overlay of overlayNames()) {
      assert.deepEqual(alcDeployments(overlay).map((d) => d.metadata.name).sort(), ['alc-annotation', 'alc-worker-cpu', 'alc-worker-gpu'], overlay);
    }
  });

  it('every container has limits, probes on its ports and the locked-down security context; no secret values', () => {
    for (const overlay of overlayNames()) assert.deepEqual(allProblems(objects(overlay)), [], `overlay ${overlay}`);
  });

  it('ALC containers probe /healthz for liveness and /readyz for readiness', () => {
    for (const overlay of overlayNames()) {
      for (const deployment of alcDeployments(overlay)) {
        for (const container of containersOf(deployment)) {
          assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', `${overlay} ${deployment.metadata.name}`);
          assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', `${overlay} ${deployment.metadata.name}`);
        }
      }
    }
  });

  it('workers get a grace period above their --shutdown-grace (the rule is applied, not assumed)', () => {
    for (const overlay of overlayNames()) {
      for (const name of ['alc-worker-cpu', 'alc-worker-gpu']) {
        const container = containersOf(find(overlay, 'Deployment', name))[0];
        assert.ok(argValue(container, '--shutdown-grace'), `${overlay} ${name} sets --shutdown-grace explicitly`);
      }
    }
  });

  it('production GPU workers: one nvidia.com/gpu, one activity slot, the GPU pool, tolerations', () => {
    const deployment = find('production', 'Deployment', 'alc-worker-gpu');
    const spec = podSpecOf(deployment) as PodSpec;
    const container = spec.containers[0];
    const gpus = Number(container.resources?.limits?.['nvidia.com/gpu']);
    assert.equal(gpus, 1);
    assert.equal(Number(container.resources?.requests?.['nvidia.com/gpu']), gpus);
    assert.equal(Number(argValue(container, '--max-activities')), gpus, 'one activity slot per GPU');
    assert.ok(Object.keys(spec.nodeSelector ?? {}).length > 0, 'a node selector for the GPU pool');
    assert.ok(spec.tolerations?.some((t) => t.key === 'nvidia.com/gpu'), 'tolerates the GPU taint');
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.ALC_TRAINER_DEVICE, 'cuda');
    assert.equal(env.ALC_INFERENCE_PROVIDER, 'cuda');
  });

  it('local GPU worker runs on the CPU without GPU resources', () => {
    const container = containersOf(find('local', 'Deployment', 'alc-worker-gpu'))[0];
    assert.equal(container.resources?.limits?.['nvidia.com/gpu'], undefined);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.ALC_TRAINER_DEVICE, 'cpu');
    assert.equal(env.ALC_INFERENCE_PROVIDER, 'cpu');
  });

  it('production scales each task queue with KEDA temporal triggers; the GPU worker from zero, counting running tasks', () => {
    const scaled = objects('production').filter((o) => o.kind === 'ScaledObject') as unknown as {
      metadata: { name: string };
      spec: { scaleTargetRef: { name: string }; minReplicaCount: number; triggers: { type: string; name?: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[]; advanced?: { scalingModifiers?: { formula: string } } };
    }[];
    const queues = new Map<string, (typeof scaled)[number]>();
    for (const object of scaled) {
      find('production', 'Deployment', object.spec.scaleTargetRef.name);
      for (const trigger of object.spec.triggers.filter((t) => t.type === 'temporal')) {
        queues.set(trigger.metadata.taskQueue, object);
        assert.equal(trigger.metadata.endpointFromEnv, 'ALC_TEMPORAL_ADDRESS', 'the scaler watches the Temporal the workers use');
        assert.equal(trigger.authenticationRef?.name, 'alc-temporal-mtls', 'mTLS to Temporal Cloud');
      }
    }
    assert.deepEqual([...queues.keys()].sort(), Object.values(TASK_QUEUES).sort(), 'one ScaledObject per task queue');
    const gpu = queues.get(TASK_QUEUES.gpu);
    assert.equal(gpu?.spec.scaleTargetRef.name, 'alc-worker-gpu');
    assert.equal(gpu?.spec.minReplicaCount, 0, 'the GPU worker scales to zero');
    const running = gpu?.spec.triggers.find((t) => t.type === 'prometheus');
    assert.match(running?.metadata.query ?? '', /alc_activity_running\{task_queue="alc-gpu"\}/);
    assert.match(gpu?.spec.advanced?.scalingModifiers?.formula ?? '', /\+/, 'workers = waiting + running');
    assert.ok((queues.get(TASK_QUEUES.cpu)?.spec.minReplicaCount ?? 0) >= 1, 'CPU workers keep a floor (workflows, answer updates)');
    for (const name of ['alc-worker-cpu', 'alc-worker-gpu']) {
      assert.equal((find('production', 'Deployment', name) as unknown as { spec: { replicas?: number } }).spec.replicas, undefined, `${name}: the HPA owns replicas`);
    }
  });

  it('a PodDisruptionBudget covers every ALC deployment', () => {
    for (const overlay of overlayNames()) {
      const budgets = objects(overlay).filter((o) => o.kind === 'PodDisruptionBudget') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }[];
      for (const deployment of alcDeployments(overlay)) {
        const podLabels = (deployment as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
        const covered = budgets.some((b) => Object.entries(b.spec.selector.matchLabels).every(([k, v]) => podLabels[k] === v));
        assert.ok(covered, `${overlay}: no PodDisruptionBudget selects ${deployment.metadata.name}`);
      }
    }
  });

  it('network policies: ALC pods reach only DNS, Temporal and S3', () => {
    const expected: Record<string, number[]> = { local: [53, 7233, 8333], production: [53, 443, 7233] };
    for (const overlay of overlayNames()) {
      type Policy = { spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[]; egress?: { ports?: { port: number }[] }[] } };
      const policies = objects(overlay).filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];
      const selectsAlc = (p: Policy) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/part-of'] === 'alc';
      for (const deployment of alcDeployments(overlay)) {
        const podLabels = (deployment as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
        assert.equal(podLabels['app.kubernetes.io/part-of'], 'alc', `${overlay}: the policies select ${deployment.metadata.name}'s pods`);
      }
      assert.ok(policies.some((p) => selectsAlc(p) && p.spec.policyTypes.includes('Egress') && (p.spec.egress ?? []).length === 0), `${overlay}: a default-deny egress policy`);
      const ports = new Set<number>();
      for (const policy of policies.filter(selectsAlc)) {
        for (const rule of policy.spec.egress ?? []) {
          assert.ok(rule.ports && rule.ports.length > 0, `${overlay}: an egress rule without ports allows everything`);
          for (const port of rule.ports) ports.add(port.port);
        }
      }
      assert.deepEqual([...ports].sort((a, b) => a - b), expected[overlay], overlay);
    }
  });

  it('the configuration the pods read is valid for the configuration model (configs/schema.ts)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'alc-k8s-config-'));
    try {
      for (const overlay of overlayNames()) {
        const file = path.join(dir, `${overlay}.yaml`);
        await writeFile(file, configMap(overlay, 'alc-config').data['alc.yaml']);
        const env = configMap(overlay, 'alc-env').data;
        const { config } = await loadConnectionConfig({ file, env });
        assert.equal(config.temporal.address, env.ALC_TEMPORAL_ADDRESS, overlay);
        assert.equal(config.s3.bucket, env.ALC_S3_BUCKET, overlay);
        assert.deepEqual(config.taskQueues, TASK_QUEUES, `${overlay}: the queues KEDA watches`);
      }
      const production = await loadConnectionConfig({ file: path.join(dir, 'production.yaml'), env: configMap('production', 'alc-env').data });
      assert.ok(production.config.temporal.tls, 'production talks mTLS to Temporal');
      assert.equal(production.config.s3.endpoint, undefined, 'production uses AWS S3');
      assert.equal(production.config.s3.staticCredentials, undefined, 'no static S3 keys in production');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every ALC_* variable the manifests set is one the code reads', async () => {
    const known = new Set([...Object.keys(ENV_OVERRIDES), ...(await sourceEnvNames())]);
    for (const overlay of overlayNames()) {
      const names = new Set<string>(Object.keys(configMap(overlay, 'alc-env').data));
      for (const object of objects(overlay)) for (const container of containersOf(object)) for (const v of container.env ?? []) names.add(v.name);
      const unknown = [...names].filter((n) => n.startsWith('ALC_') && !known.has(n));
      assert.deepEqual(unknown, [], `${overlay}: variables no code reads`);
    }
  });

  it('production: certificates mounted where the config points, no secret in the environment, images pulled Always', () => {
    const env = configMap('production', 'alc-env').data;
    const certDir = path.posix.dirname(env.ALC_TEMPORAL_TLS_CERT);
    assert.equal(path.posix.dirname(env.ALC_TEMPORAL_TLS_KEY), certDir);
    for (const deployment of alcDeployments('production')) {
      const spec = podSpecOf(deployment) as PodSpec;
      const volume = spec.volumes?.find((v) => v.secret?.secretName === 'alc-temporal-tls');
      assert.ok(volume, `${deployment.metadata.name}: mounts the alc-temporal-tls Secret`);
      for (const container of spec.containers) {
        assert.ok(container.volumeMounts?.some((m) => m.name === volume.name && m.mountPath === certDir), `${deployment.metadata.name}: at ${certDir}`);
        assert.ok(!container.envFrom?.some((e) => e.secretRef), `${deployment.metadata.name}: envFrom a Secret`);
        assert.ok(!container.env?.some((e) => e.valueFrom?.secretKeyRef), `${deployment.metadata.name}: env from a Secret`);
        assert.equal(container.imagePullPolicy, 'Always', deployment.metadata.name);
      }
    }
    const account = find('production', 'ServiceAccount', 'alc');
    assert.match(account.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws:iam::\d{12}:role\//, 'IRSA role');
    const ingress = find('production', 'Ingress', 'alc-annotation') as unknown as { spec: { tls?: { secretName: string; hosts: string[] }[]; rules: { host: string }[] } };
    assert.ok(ingress.spec.tls?.[0]?.secretName, 'the annotation service is served over TLS');
    assert.deepEqual(ingress.spec.rules.map((r) => r.host), ingress.spec.tls?.[0]?.hosts);
  });

  it("local: Temporal from the pinned official chart, and the setup job registers the workflows' search attributes", async () => {
    const helmfile = await readFile(path.join(OVERLAYS_DIR, 'local', 'temporal', 'helmfile.yaml'), 'utf8');
    assert.match(helmfile, /chart: temporal\/temporal\n\s+version: \d+\.\d+\.\d+\n/, 'a pinned chart version');
    const script = configMap('local', 'temporal-setup').data['setup-namespace.sh'];
    for (const attribute of SEARCH_ATTRIBUTE_FLAGS) assert.ok(script.includes(attribute), `setup-namespace.sh creates ${attribute}`);
  });
});
