import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load-config.js';
import { routeSignal } from '../../src/routing/route-signal.js';
import { makeSignal } from '../../src/signals/make-signal.js';

const config = parseConfig(
  `
routes:
  - name: checkout
    match: { alertname: HighErrorRate }
    matchRegex: { service: "checkout-.*" }
    playbook: http-service-outage
    targetFromLabel: instance
    params: { approveRestart: true }
  - name: any error rate
    match: { alertname: HighErrorRate }
    playbook: diagnose-and-escalate
    target: fallback
defaultRoute:
  playbook: diagnose-and-escalate
  targetFromLabel: service
`,
  'routing.yaml',
);

const signal = (alertname: string, service: string, labels: Record<string, string> = {}) =>
  makeSignal({ alertname, service, labels });

describe('routing', () => {
  it('sends an alert to the first route whose labels match', () => {
    const r = routeSignal(config, signal('HighErrorRate', 'checkout-api', { instance: 'checkout-api-2' }));
    assert.deepEqual(r, {
      routed: true,
      decision: { route: 'checkout', playbook: 'http-service-outage', target: 'checkout-api-2', params: { approveRestart: true }, dryRun: false },
    });
  });

  it('anchors regular expressions: a partial match is no match', () => {
    const r = routeSignal(config, signal('HighErrorRate', 'old-checkout-api', { instance: 'x' }));
    assert.equal(r.routed && r.decision.route, 'any error rate');
  });

  it('falls back to the default route', () => {
    const r = routeSignal(config, signal('DiskFull', 'billing'));
    assert.equal(r.routed && r.decision.route, 'default');
    assert.equal(r.routed && r.decision.target, 'billing');
  });

  it('reports an alert that lacks the label its route takes the target from', () => {
    const r = routeSignal(config, signal('HighErrorRate', 'checkout-api'));
    assert.deepEqual(r, { routed: false, reason: 'route "checkout" takes its target from label "instance", which the alert lacks' });
  });

  it('reports an alert with no route and no default route as unrouted', () => {
    const bare = parseConfig('routes: []\n', 'bare.yaml');
    assert.deepEqual(routeSignal(bare, signal('X', 'y')), { routed: false, reason: 'no route matches and there is no defaultRoute' });
  });
});
