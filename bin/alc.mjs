#!/usr/bin/env node
// Entry point of the `alc` CLI. The sources are TypeScript run through tsx's loader, so the
// repository works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
