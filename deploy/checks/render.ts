/**
 * Renders the Kubernetes overlays with the pinned kubectl (requirements-deploy.txt, installed by
 * scripts/setup.sh into .venv): its built-in kustomize, no cluster and no helm needed. Shared by the
 * lint step (lint.ts) and the manifest tests (test/deploy/).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { UnavailableError } from '../../common/errors.js';
import { REPO_ROOT, VENV_DIR } from '../../common/paths.js';

const run = promisify(execFile);

export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');
export const OVERLAYS_DIR = path.join(DEPLOY_DIR, 'k8s', 'overlays');
export const DOCKER_DIR = path.join(DEPLOY_DIR, 'docker');

/** A tool installed by scripts/setup.sh into .venv/bin; a clear error when it is missing. */
export function venvTool(name: 'kubectl' | 'hadolint' | 'checkov'): string {
  const tool = path.join(VENV_DIR, 'bin', name);
  if (!existsSync(tool)) throw new UnavailableError(`${tool} is missing: run scripts/setup.sh (it installs requirements-deploy.txt)`);
  return tool;
}

/** The overlays' names (the folders of deploy/k8s/overlays), sorted. */
export function overlayNames(): string[] {
  return readdirSync(OVERLAYS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** The Dockerfiles of deploy/docker, as absolute paths, sorted. */
export function dockerfiles(): string[] {
  return readdirSync(DOCKER_DIR)
    .filter((name) => name.endsWith('.Dockerfile'))
    .sort()
    .map((name) => path.join(DOCKER_DIR, name));
}

/** `kubectl kustomize` of one overlay: the multi-document YAML that `kubectl apply -k` would send. */
export async function renderOverlay(name: string): Promise<string> {
  const dir = path.join(OVERLAYS_DIR, name);
  try {
    const { stdout } = await run(venvTool('kubectl'), ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`kubectl kustomize ${path.relative(REPO_ROOT, dir)} failed: ${stderr || (error as Error).message}`);
  }
}

/** A rendered Kubernetes object, as far as the checks need to know it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Parses a rendered overlay into its objects; a YAML error names the overlay. */
export function parseObjects(overlay: string, text: string): K8sObject[] {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`overlay ${overlay}, document ${index}: ${document.errors[0].message}`);
    return document.toJS() as K8sObject;
  });
}
