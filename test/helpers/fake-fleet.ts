// The repository's tests use the test kit's fleet, as a playbook author's tests do (src/testkit).
export { FakeFleet, type FleetCall, type Outcome as Behaviour } from '../../src/testkit/index.js';
