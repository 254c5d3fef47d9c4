import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { MEDIC_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { provisionTestServer, type ProvisionOptions } from './provision-test-server.js';

// Temporal's time-skipping test server, started from medic's pinned binary (never the SDK's own
// download, which needs the internet), with what medic's workflows need of it set up.

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is not imported here). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/**
 * A time-skipping test server ready for medic's workflows: the SDK's TestWorkflowEnvironment on
 * the pinned binary, with the Medic* search attributes registered. Use it to run medic on your
 * own worker; `startTestEnvironment` also starts the worker, a fake fleet and a client for you.
 */
export async function startTimeSkippingServer(options: ProvisionOptions = {}): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  const path = await provisionTestServer(options);
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  try {
    await registerMedicSearchAttributes(env);
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}

/**
 * The SDK core logs warnings to stderr unless told otherwise; in a test that is noise. One
 * runtime per process is the SDK's rule: if the tests installed one already, it stays.
 */
function installQuietRuntime(): void {
  try {
    // Core's own warnings (e.g. "Task not found when completing" as a test ends) go through the
    // same logger rather than straight to stderr.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // Installed already (by the user's tests or an earlier environment): keep theirs.
  }
}

/**
 * The test server knows no custom search attributes until told: without this the incident's first
 * upsert of Medic* keys fails its workflow task ("search attribute MedicFingerprint is not defined")
 * and the incident never starts. The operator service's AddSearchAttributes registers them.
 */
async function registerMedicSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const searchAttributes = Object.fromEntries(MEDIC_SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED_VALUE_TYPE_KEYWORD]));
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
}
