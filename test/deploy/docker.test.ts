/**
 * The Dockerfiles of deploy/docker and the build context (.dockerignore), read without a Docker
 * engine: pinned base images, non-root runtime, production-only node_modules, OCI labels from build
 * arguments, the GPU image's CUDA parts, and a context that keeps everything the CLI imports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../common/paths.js';
import { dockerfiles } from '../../deploy/checks/render.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with their continuation lines joined; comments dropped. */
function instructions(file: string): Instruction[] {
  const joined = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

interface Stage {
  base: string;
  name?: string;
  body: Instruction[];
}

/** The stages, with FROM resolved through the global ARG defaults. */
function stages(file: string): Stage[] {
  const all = instructions(file);
  const globals = new Map<string, string>();
  const result: Stage[] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const base = image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v: string) => globals.get(v) ?? `<unset ${v}>`);
      result.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] });
    } else if (result.length === 0 && instruction.keyword === 'ARG') {
      const [name, value] = instruction.args.split('=');
      globals.set(name, value ?? '');
    } else if (result.length > 0) {
      result[result.length - 1].body.push(instruction);
    }
  }
  return result;
}

const byName = (name: string) => {
  const file = dockerfiles().find((f) => path.basename(f) === name);
  assert.ok(file, `deploy/docker/${name} is missing`);
  return file;
};

describe('Dockerfiles', () => {
  it('there are a cpu and a gpu image', () => {
    assert.deepEqual(dockerfiles().map((f) => path.basename(f)), ['cpu.Dockerfile', 'gpu.Dockerfile']);
  });

  for (const file of dockerfiles()) {
    const name = path.basename(file);
    describe(name, () => {
      const all = stages(file);
      const final = all[all.length - 1];
      const body = (keyword: string) => final.body.filter((i) => i.keyword === keyword).map((i) => i.args);

      it('is multi-stage and pins every base image by tag and digest', () => {
        assert.ok(all.length >= 2, 'multi-stage');
        const aliases = new Set<string>();
        for (const stage of all) {
          if (!aliases.has(stage.base)) assert.match(stage.base, /^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/, `FROM ${stage.base}`);
          if (stage.name) aliases.add(stage.name);
        }
      });

      it('installs production dependencies only, with npm ci, in a build stage', () => {
        const runs = all.flatMap((s) => s.body.filter((i) => i.keyword === 'RUN').map((i) => i.args));
        assert.ok(runs.some((r) => /npm ci --omit=dev\b/.test(r)), 'npm ci --omit=dev');
        assert.ok(!runs.some((r) => /npm (install|i)\b/.test(r)), 'no npm install');
        assert.ok(!final.body.some((i) => i.keyword === 'RUN' && /npm ci/.test(i.args)), 'node_modules come from a build stage');
      });

      it('runs as a non-root numeric user', () => {
        const user = body('USER').at(-1);
        assert.ok(user, 'the final stage sets USER');
        const uid = Number(user.split(':')[0]);
        assert.ok(Number.isInteger(uid) && uid > 0, `USER ${user} is numeric and not root`);
        const manifest = readFileSync(path.join(REPO_ROOT, 'deploy', 'k8s', 'base', 'worker-cpu.yaml'), 'utf8');
        assert.equal(Number(/runAsUser: (\d+)/.exec(manifest)?.[1]), uid, 'the pods run as the image user');
      });

      it('labels the image with OCI source, revision and version from build arguments', () => {
        const args = new Set(body('ARG').map((a) => a.split('=')[0]));
        const labels = body('LABEL').join(' ');
        for (const [label, arg] of [['source', 'SOURCE'], ['revision', 'REVISION'], ['version', 'VERSION']]) {
          assert.ok(args.has(arg), `ARG ${arg}`);
          assert.ok(labels.includes(`org.opencontainers.image.${label}="\${${arg}}"`), `label ${label} from ${arg}`);
        }
      });

      it('starts the alc CLI under an init process', () => {
        const entrypoint = JSON.parse(body('ENTRYPOINT').at(-1) ?? '[]') as string[];
        assert.ok(entrypoint[0]?.endsWith('tini'), 'tini reaps children and forwards SIGTERM');
        assert.ok(entrypoint.includes('/app/bin/alc.mjs'));
      });
    });
  }

  it('the gpu image: CUDA runtime base, onnxruntime-node with its CUDA 12 provider, a CUDA PyTorch, one slot', () => {
    const all = stages(byName('gpu.Dockerfile'));
    assert.match(all.at(-1)?.base ?? '', /^nvidia\/cuda:12\.[\w.-]*cudnn[\w.-]*runtime/);
    const text = readFileSync(byName('gpu.Dockerfile'), 'utf8');
    assert.match(text, /ENV ONNXRUNTIME_NODE_INSTALL=cuda12/);
    assert.match(text, /onnxruntime-node\/script\/install\.js/);
    assert.match(text, /--index-url "\$\{TORCH_INDEX_URL\}" "torch==\$\{torch_version\}"/);
    assert.match(text, /ARG TORCH_INDEX_URL=https:\/\/download\.pytorch\.org\/whl\/cu12\d/);
    assert.match(text, /CMD \["worker", "gpu", "--max-activities", "1"\]/);
  });
});

/** The relative imports of a module: static, dynamic, side-effect and `new URL(…, import.meta.url)`. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g),
    ...text.matchAll(/\bimport\s*\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
    ...text.matchAll(/^\s*import\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/new URL\(\s*'(\.{1,2}\/[^']+)'\s*,\s*import\.meta\.url\s*\)/g),
  ].map((m) => m[1]);
  const resolved: string[] = [];
  for (const specifier of specifiers) {
    const target = path.resolve(path.dirname(file), specifier);
    const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), `${target}.ts`, path.join(target, 'index.ts')];
    const found = candidates.find((c) => existsSync(c) && /\.(ts|mts|js|mjs|json)$/.test(c));
    if (found) resolved.push(found);
  }
  return resolved;
}

describe('.dockerignore', () => {
  const patterns = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  /** The plain patterns: root-anchored paths (the file's own convention), which exclude a subtree. */
  const roots = patterns.filter((p) => !/[*?[\]!]/.test(p));
  const excluded = (relative: string) => roots.some((root) => relative === root || relative.startsWith(`${root}/`));

  it('keeps version control, local state, installed dependencies and secrets out', () => {
    for (const entry of ['.git', '.alc', 'node_modules', '.venv', '.env']) assert.ok(excluded(entry), entry);
    assert.ok(patterns.includes('**/*.pem') && patterns.includes('**/*.key'), 'key material at any depth');
  });

  it('sends every module the alc CLI imports, the trainer and the web page', () => {
    const seen = new Set<string>();
    const queue = [path.join(REPO_ROOT, 'bin', 'alc.mjs')];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      queue.push(...relativeImports(file));
    }
    assert.ok(seen.size > 50, `the import walk found only ${seen.size} modules`);
    assert.ok([...seen].some((f) => f.endsWith(path.join('workflows', 'index.ts'))), 'the workflow bundle entry is reached');
    const missing = [...seen].map((f) => path.relative(REPO_ROOT, f)).filter(excluded);
    assert.deepEqual(missing, [], 'modules the CLI imports that the build context leaves out');
    for (const needed of ['trainer/__main__.py', 'trainer/requirements.txt', 'package-lock.json', '.npmrc']) assert.ok(!excluded(needed), needed);
    if (existsSync(path.join(REPO_ROOT, 'annotation', 'web'))) assert.ok(!excluded('annotation/web/index.html'));
  });
});
