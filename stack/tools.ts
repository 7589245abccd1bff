import { existsSync } from 'node:fs';
import path from 'node:path';
import { UnavailableError } from '../common/errors.js';
import { VENV_DIR } from '../common/paths.js';

/** Executables that scripts/setup.sh installs into the project's .venv from requirements.txt. */
export type StackTool = 'temporal' | 'temporal-test-server' | 'weed';

export function toolPath(tool: StackTool): string {
  const file = path.join(VENV_DIR, 'bin', tool);
  if (!existsSync(file)) {
    throw new UnavailableError(`${tool} is not installed at ${file}: run \`npm run setup\` (it installs requirements.txt into .venv)`);
  }
  return file;
}
