// medic's test kit for playbook authors ('medic/testkit'): a time-skipping Temporal server with a
// medic worker and a fake fleet, human actions, timeline matchers. Framework-neutral: nothing here
// imports a test runner; assertions throw plain Errors. Guide: docs/testkit.md.

export { startTestEnvironment, MedicTestEnvironment, type OpenIncidentOptions, type TestEnvironmentOptions } from './test-environment.js';
export { TestIncident } from './test-incident.js';
export { FakeFleet, type FleetActivity, type FleetCall, type FleetScript, type Outcome } from './fake-fleet.js';
export { expectTimeline, formatTimeline, TimelineMismatchError, type EntryPattern, type TimelineExpectation } from './timeline-matchers.js';
export { startTimeSkippingServer } from './time-skipping-server.js';
export { provisionTestServer, testKitToolsDir, type ProvisionOptions } from './provision-test-server.js';
export type { TestDuration } from './duration.js';
export { TestKitError } from './test-kit-error.js';
export type { IncidentOutcome, IncidentResult, IncidentState, Params, TimelineEntry, TimelineKind } from '../../workflows/definitions.js';
export type { StepInput, StepOutput, VerifyOutput } from '../../activities/contract.js';
