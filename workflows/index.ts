// The single entry point of the workflow bundle: every workflow the workers run is exported here.
export { stackCheckWorkflow } from './stack-check.js';
