// What a user's workflows module imports (package export `medic/playbook`): the playbook API and
// activity declarations. Workflow-safe: nothing here does I/O or uses Node APIs.
export { definePlaybook, type CallOptions, type Playbook, type PlaybookContext, type PlaybookOutcome, type StepOptions } from './runtime/playbook-api.js';
export { defineActivity, type ActivityDeclaration, type ActivityRef, type Effect } from '../activities/declarations.js';
export type { StepInput, StepOutput, VerifyOutput } from '../activities/contract.js';
export { durationWithDefault } from '../src/config/duration-schema.js';
