// The package's playbook entry (`import ... from 'medic/playbook'`): the API a playbook is
// written against. It is imported from workflow code, so its whole module graph is deterministic
// and free of Node built-ins (test/unit/workflow-purity.test.ts walks it with the rest of
// workflows/). The shipped playbooks in playbooks/ use exactly this API.

export {
  definePlaybook,
  type Playbook,
  type PlaybookContext,
  type PlaybookOutcome,
  type StepOptions,
  type CallOptions,
  type ApprovalResult,
  type EscalationResult,
  type ParamsSchema,
} from './runtime/playbook-api.js';
/** Your own activities: declared here (what the engine reads), implemented with `implement` from 'medic'. */
export { defineActivity, type ActivityDeclaration, type ActivityRef, type Effect, type RetryProfileName } from '../activities/declarations.js';
/** A zod duration parameter ("10 minutes") with its default, as the shipped playbooks declare theirs. */
export { durationWithDefault } from '../src/config/duration-schema.js';
export type { Params, JsonValue } from './definitions.js';
export type { ActivityName, ActivityInput, ActivityOutput, StepInput, StepOutput, VerifyOutput } from '../activities/contract.js';
