import { fileURLToPath } from 'node:url';

/** The workflow bundle's single entry (bundled at worker start; deploy images may prebuild it). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Workflow interceptor modules bundled with the workflows (log context of workflow code). A
 * prebuilt bundle must name them too (`bundleWorkflowCode({ workflowInterceptorModules })`).
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../observability/workflow-interceptors.ts', import.meta.url))];
