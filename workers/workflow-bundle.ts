import { fileURLToPath } from 'node:url';

/** The workflow bundle's single entry (bundled at worker start; deploy images may prebuild it). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
