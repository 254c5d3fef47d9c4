import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { permanentRefusal } from '../../src/intake/permanent-refusal.js';

const grpcError = (code: number, message: string) => Object.assign(new Error(message), { code });
const wrapped = (cause: Error) => Object.assign(new Error('Failed to signalWithStart Workflow'), { cause });

describe('refusals for good and for a moment', () => {
  it('a payload over the size limit is refused for good: dead-lettered, not retried forever', () => {
    const refusal = permanentRefusal(wrapped(grpcError(3, '3 INVALID_ARGUMENT: Blob data size exceeds limit.')));
    assert.deepEqual(refusal, { status: 'INVALID_ARGUMENT', message: 'Failed to signalWithStart Workflow' });
  });

  it("a run at its signal limit is refused only for a moment (it continues as new): the sender retries", () => {
    assert.equal(permanentRefusal(wrapped(grpcError(3, '3 INVALID_ARGUMENT: exceeded workflow execution limit for signal events'))), undefined);
  });

  it('unavailability is never for good', () => {
    assert.equal(permanentRefusal(wrapped(grpcError(14, '14 UNAVAILABLE: connection refused'))), undefined);
  });
});
