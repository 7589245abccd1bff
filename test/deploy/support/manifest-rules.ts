/**
 * The rules every rendered Kubernetes object of deploy/k8s must keep (issue 7): containers with
 * requests and limits, probes on declared ports, a locked-down security context with writable
 * scratch only on emptyDirs, no secret values in the manifests, and a grace period longer than the
 * worker's own shutdown grace. Each rule returns the problems it finds (empty: fine), so a test can
 * show every problem at once and feed it bad objects to see it fail.
 */
import type { K8sObject } from '../../../deploy/checks/render.js';

interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number };
  exec?: { command: string[] };
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown; configMapKeyRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: { name: string; emptyDir?: unknown; secret?: { secretName: string }; configMap?: { name: string } }[];
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  automountServiceAccountToken?: boolean;
}

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);
/** Processes that run until stopped: they need liveness and readiness probes. */
const LONG_RUNNING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export function podSpecOf(object: K8sObject): PodSpec | undefined {
  if (object.kind === 'CronJob') return (object as unknown as { spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } } }).spec.jobTemplate.spec.template.spec;
  if (!POD_TEMPLATE_KINDS.has(object.kind)) return undefined;
  return (object as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

export function label(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/** Requests and limits of CPU and memory on every container. */
export function resourceProblems(object: K8sObject): string[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  const problems: string[] = [];
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (container.resources?.[kind]?.[resource] === undefined) problems.push(`${label(object)} container ${container.name}: no ${kind}.${resource}`);
      }
    }
  }
  return problems;
}

function probePort(probe: Probe): number | string | undefined {
  return probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
}

/** Liveness and readiness probes on long-running containers, on a port the container declares. */
export function probeProblems(object: K8sObject): string[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  const problems: string[] = [];
  for (const container of spec.containers) {
    const where = `${label(object)} container ${container.name}`;
    if (LONG_RUNNING_KINDS.has(object.kind)) {
      if (!container.livenessProbe) problems.push(`${where}: no livenessProbe`);
      if (!container.readinessProbe) problems.push(`${where}: no readinessProbe`);
    }
    for (const [kind, probe] of [['liveness', container.livenessProbe], ['readiness', container.readinessProbe], ['startup', container.startupProbe]] as const) {
      if (!probe) continue;
      const port = probePort(probe);
      if (port === undefined) {
        if (!probe.exec) problems.push(`${where}: ${kind}Probe has neither a port nor a command`);
        continue;
      }
      const declared = (container.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
      if (!declared) problems.push(`${where}: ${kind}Probe port ${port} is not one of the container's ports`);
    }
  }
  return problems;
}

/** runAsNonRoot, no privilege escalation, read-only root with emptyDir scratch, ALL dropped. */
export function securityProblems(object: K8sObject): string[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  const problems: string[] = [];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${label(object)}: shares a host namespace`);
  if (spec.securityContext?.runAsUser === 0) problems.push(`${label(object)}: runAsUser 0`);
  const emptyDirs = new Set((spec.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const where = `${label(object)} container ${container.name}`;
    const context = container.securityContext;
    if (!(context?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot)) problems.push(`${where}: runAsNonRoot is not true`);
    if (context?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (context?.privileged) problems.push(`${where}: privileged`);
    if (context?.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
    if (!context?.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    if ((context?.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities ${context?.capabilities?.add?.join(', ')}`);
    const scratch = (container.volumeMounts ?? []).some((m) => emptyDirs.has(m.name) && !m.readOnly);
    if (!scratch) problems.push(`${where}: read-only root file system but no writable emptyDir for scratch`);
  }
  return problems;
}

/** A Secret object in the manifests carries its values in them: Secrets are created out of band. */
export function secretProblems(object: K8sObject): string[] {
  const problems: string[] = [];
  if (object.kind === 'Secret') {
    const secret = object as { data?: Record<string, string>; stringData?: Record<string, string> };
    for (const field of ['data', 'stringData'] as const) {
      const keys = Object.keys(secret[field] ?? {});
      if (keys.length > 0) problems.push(`${label(object)}: ${field} inlines ${keys.join(', ')}`);
    }
  }
  const spec = podSpecOf(object);
  for (const container of spec ? [...spec.containers, ...(spec.initContainers ?? [])] : []) {
    for (const variable of container.env ?? []) {
      if (variable.value !== undefined && /PASSWORD|SECRET|TOKEN|PRIVATE_KEY|ACCESS_KEY/i.test(variable.name) && !variable.name.endsWith('_FILE')) {
        problems.push(`${label(object)} container ${container.name}: ${variable.name} has a literal value (reference a Secret)`);
      }
    }
  }
  return problems;
}

/** `30 seconds`, `2 minutes`, `1 hour`, `90s`: the worker's --shutdown-grace, in seconds. */
export function durationSeconds(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?)\s*$/i.exec(text);
  if (!match) throw new Error(`cannot read the duration "${text}"`);
  const value = Number(match[1]);
  const unit = match[2].toLowerCase();
  if (unit.startsWith('ms') || unit.startsWith('milli')) return value / 1000;
  if (unit.startsWith('h')) return value * 3600;
  if (unit.startsWith('m')) return value * 60;
  return value;
}

/** The value of `--flag VALUE` or `--flag=VALUE` in a container's arguments. */
export function argValue(container: Container, flag: string): string | undefined {
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

/** The pod's grace period must cover the worker's shutdown grace plus a margin to drain and exit. */
export function gracePeriodProblems(object: K8sObject, marginSeconds = 10): string[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  const problems: string[] = [];
  for (const container of spec.containers) {
    const grace = argValue(container, '--shutdown-grace');
    if (grace === undefined) continue;
    const needed = durationSeconds(grace) + marginSeconds;
    const given = spec.terminationGracePeriodSeconds ?? 30;
    if (given < needed) problems.push(`${label(object)}: terminationGracePeriodSeconds ${given} < --shutdown-grace ${grace} + ${marginSeconds} s`);
  }
  return problems;
}

export function allProblems(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => [...resourceProblems(o), ...probeProblems(o), ...securityProblems(o), ...secretProblems(o), ...gracePeriodProblems(o)]);
}
