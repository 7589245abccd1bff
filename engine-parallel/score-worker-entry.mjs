// Worker-thread entry of the score pool. The sources are TypeScript run through tsx, and a worker
// thread starts without the parent's loader hooks, so register tsx first (as bin/alc.mjs does).
import { register } from 'tsx/esm/api';

register();
await import('./score-worker.ts');
