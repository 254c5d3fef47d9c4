import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveFingerprint, makeSignal } from '../../src/signals/make-signal.js';

describe('signals', () => {
  it('gives the same alert on the same service the same fingerprint, and others a different one', () => {
    const a = makeSignal({ alertname: 'HighErrorRate', service: 'checkout-api' });
    const b = makeSignal({ alertname: 'HighErrorRate', service: 'checkout-api' });
    const c = makeSignal({ alertname: 'HighErrorRate', service: 'billing' });
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, c.fingerprint);
    assert.notEqual(a.id, b.id, 'each notification has its own id');
    assert.equal(a.fingerprint, deriveFingerprint('HighErrorRate', 'checkout-api'));
  });

  it('rejects a fingerprint that could not be part of a workflow id, naming the field', () => {
    assert.throws(() => makeSignal({ alertname: 'A', service: 'b', fingerprint: '../../etc' }), /signal field "fingerprint"/);
  });

  it('requires an alert name and a service', () => {
    assert.throws(() => makeSignal({ service: 'b' }), /signal field "(alertname|fingerprint)"/);
  });

  it('keeps unicode and empty label values as they are', () => {
    const s = makeSignal({ alertname: 'A', service: 'b', labels: { team: 'équipe-支付', empty: '' } });
    assert.deepEqual(s.labels, { team: 'équipe-支付', empty: '' });
  });
});
