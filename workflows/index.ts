// The workflow bundle's entry point: everything exported here is a workflow type the worker serves.
export { incidentWorkflow } from './incident-workflow.js';
export { guardWorkflow } from './guards/guard-workflow.js';
