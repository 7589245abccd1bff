import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, so commands work from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Project-local Python virtual environment created by scripts/setup.sh. */
export const VENV_DIR = path.join(REPO_ROOT, '.venv');
