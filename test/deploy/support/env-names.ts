/**
 * The ALC_* environment variables the code reads: every `ALC_…` literal in the TypeScript sources
 * outside tests and deploy/ (the configuration overrides of configs/load.ts, the worker and service
 * ports, …). Deployment files may only set variables from this set.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../../common/paths.js';

const SKIP = new Set(['node_modules', '.git', '.venv', '.alc', 'test', 'deploy', 'bench']);

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) files.push(...(await sourceFiles(path.join(dir, entry.name))));
    } else if (/\.(ts|mjs|js)$/.test(entry.name)) {
      files.push(path.join(dir, entry.name));
    }
  }
  return files;
}

export async function sourceEnvNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of await sourceFiles(REPO_ROOT)) {
    for (const match of (await readFile(file, 'utf8')).matchAll(/\bALC_[A-Z0-9_]+\b/g)) names.add(match[0]);
  }
  return names;
}
