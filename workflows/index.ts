// The single entry point of the workflow bundle: every workflow the workers run is exported here,
// with the message definitions clients share (workflows/messages.ts).
export { stackCheckWorkflow } from './stack-check.js';
export { campaignWorkflow } from './campaign.js';
export { roundWorkflow } from './round.js';
export * from './messages.js';
