/**
 * The single-host compose file (deploy/compose/compose.yaml) without a Docker engine: every
 * service's image or build, environment and volumes refer to things that exist, long-running
 * services have healthchecks, named volumes are declared, and the ALC configuration is valid.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConnectionConfig, ENV_OVERRIDES } from '../../configs/load.js';
import { DEPLOY_DIR } from '../../deploy/checks/render.js';
import { sourceEnvNames } from './support/env-names.js';

const COMPOSE_DIR = path.join(DEPLOY_DIR, 'compose');
const COMPOSE_FILE = path.join(COMPOSE_DIR, 'compose.yaml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  read_only?: boolean;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

let text: string;
let compose: ComposeFile;

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}`: the variables compose substitutes (`$$` escapes). */
function variables(source: string): { name: string; hasDefault: boolean }[] {
  return [...source.replaceAll('$$', '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?][^}]*)?\}/g)].map((m) => ({ name: m[1], hasDefault: (m[2] ?? '').includes('-') }));
}

describe('compose file', () => {
  before(async () => {
    text = await readFile(COMPOSE_FILE, 'utf8');
    compose = parse(text, { merge: true }) as ComposeFile;
  });

  it('runs Temporal on PostgreSQL with its UI, S3, both workers and the annotation service', () => {
    const services = Object.keys(compose.services);
    for (const name of ['temporal-db', 'temporal', 'temporal-ui', 's3', 'worker-cpu', 'worker-gpu', 'annotation']) assert.ok(services.includes(name), `no service ${name}`);
    assert.match(compose.services['temporal-db'].image ?? '', /^postgres:/);
    assert.match(compose.services.temporal.image ?? '', /^temporalio\/server:\d/, 'the server, not the dev server');
    assert.equal(compose.services.temporal.environment?.DB, 'postgres12');
  });

  it("every service has a pinned image or a build whose Dockerfile exists", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      assert.ok(service.image || service.build, `${name}: neither image nor build`);
      if (service.image && !service.build) assert.match(service.image, /^[^:]+:(?!latest\b)[\w.${}:-]+(@sha256:[0-9a-f]{64})?$/, `${name}: image ${service.image} is not pinned`);
      if (service.build) {
        const context = path.resolve(COMPOSE_DIR, service.build.context);
        assert.ok(existsSync(context), `${name}: build context ${service.build.context}`);
        assert.ok(existsSync(path.join(context, service.build.dockerfile ?? 'Dockerfile')), `${name}: dockerfile ${service.build.dockerfile}`);
      }
    }
    const built = new Set(Object.values(compose.services).filter((s) => s.build).map((s) => s.image));
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image?.startsWith('alc-') && !service.build) assert.ok(built.has(service.image), `${name}: ${service.image} is built by no service`);
    }
  });

  it('every variable it substitutes is in .env.example or has a default', async () => {
    const example = await readFile(path.join(COMPOSE_DIR, '.env.example'), 'utf8');
    const defined = new Set([...example.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
    for (const variable of variables(text)) assert.ok(variable.hasDefault || defined.has(variable.name), `\${${variable.name}} is not in .env.example`);
    assert.equal(await readFile(path.join(COMPOSE_DIR, '.gitignore'), 'utf8'), '.env\n', 'the filled-in .env stays out of git');
  });

  it("every bind mount's source exists and every named volume is declared", () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const used = new Set<string>();
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(path.resolve(COMPOSE_DIR, source)), `${name}: ${source} does not exist`);
        } else {
          assert.ok(declared.has(source), `${name}: volume ${source} is not declared`);
          used.add(source);
        }
      }
    }
    assert.deepEqual([...declared].filter((v) => !used.has(v)), [], 'declared volumes nobody mounts');
    for (const [service, volume] of [['temporal-db', 'temporal-db-data'], ['s3', 's3-data']]) {
      assert.ok(compose.services[service].volumes?.some((v) => v.startsWith(`${volume}:`)), `${service} keeps its state in ${volume}`);
    }
  });

  it('long-running services have healthchecks; dependencies name existing services', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.restart !== 'no') assert.ok(service.healthcheck, `${name}: no healthcheck`);
      for (const dependency of Object.keys(service.depends_on ?? {})) assert.ok(compose.services[dependency], `${name} depends on unknown ${dependency}`);
    }
    for (const [name, port] of [['worker-cpu', 9464], ['worker-gpu', 9466], ['annotation', 8080]] as const) {
      const check = JSON.stringify(compose.services[name].healthcheck?.test);
      assert.ok(check.includes(`:${port}/readyz`), `${name}: checks /readyz on ${port}`);
      assert.equal(compose.services[name].read_only, true, `${name}: read-only root file system`);
    }
  });

  it('the ALC services read a valid configuration and only variables the code knows', async () => {
    const known = new Set([...Object.keys(ENV_OVERRIDES), ...(await sourceEnvNames())]);
    const file = path.join(COMPOSE_DIR, 'alc.yaml');
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('alc-'))) {
      const env = service.environment ?? {};
      assert.equal(env.ALC_CONFIG, '/etc/alc/alc.yaml', name);
      assert.ok(service.volumes?.includes('./alc.yaml:/etc/alc/alc.yaml:ro'), `${name} mounts alc.yaml`);
      assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('ALC_') && !known.has(k)), [], `${name}: variables no code reads`);
      const { config } = await loadConnectionConfig({ file, env: { ...env, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' } });
      assert.equal(config.temporal.address, 'temporal:7233');
      assert.equal(new URL(config.s3.endpoint ?? '').host, 's3:8333');
    }
    const gpu = compose.services['worker-gpu'];
    assert.equal(gpu.environment?.ALC_TRAINER_DEVICE, 'cuda');
    assert.ok(JSON.stringify(gpu.command).includes('"--max-activities","1"'), 'one activity slot for its one GPU');
  });
});
