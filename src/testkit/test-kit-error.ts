/** A test set up in a way the kit cannot run (a misspelt parameter, a bad duration, a state that never came). */
export class TestKitError extends Error {
  override readonly name = 'TestKitError';
  readonly code = 'MEDIC_TEST_KIT';
}
