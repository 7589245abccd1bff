// A deliberately incompatible `roundWorkflow` (it starts with a timer where the real one schedules
// an activity or signals its campaign), so the replay test can show that replay catches a change
// that was not put behind patched().
import { sleep } from '@temporalio/workflow';

export async function roundWorkflow(): Promise<void> {
  await sleep('1 minute');
}

export async function campaignWorkflow(): Promise<void> {
  await sleep('1 minute');
}
