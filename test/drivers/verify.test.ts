import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FailureType } from '../../activities/contract.js';
import { activityFailure, driverActivities, runActivity, stepInput, testConfig } from '../helpers/driver-activities.js';
import { startCountingBackend, type CountingBackend } from '../helpers/http-backends.js';
import { freePort } from '../helpers/ports.js';
import { GaugeExporter, startPrometheus, type RunningPrometheus } from '../helpers/prometheus-server.js';

const RATIO = 'medic_test_error_ratio';

describe('verify checks: HTTP probe, TCP connect and a Prometheus instant query', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-verify-'));
  let exporter: GaugeExporter;
  let prometheus: RunningPrometheus;
  let backend: CountingBackend;
  let activities: ReturnType<typeof driverActivities>;

  before(async () => {
    exporter = await new GaugeExporter().start();
    exporter.values.set(RATIO, 0.5);
    [prometheus, backend] = await Promise.all([startPrometheus(dir, exporter.port), startCountingBackend('svc')]);
    const closedPort = await freePort();
    const prom = (extra: object) => ({ verify: { deadline: '3s', checks: [{ type: 'prometheus', url: prometheus.url, interval: '250ms', ...extra }] } });
    activities = driverActivities(
      testConfig({
        targets: {
          'svc-empty': prom({ query: `${RATIO} > 0.05` }),
          'svc-threshold': prom({ query: RATIO, below: 0.05 }),
          'svc-badquery': prom({ query: `sum(${RATIO}` }),
          'svc-noprom': { verify: { deadline: '1s', checks: [{ type: 'prometheus', url: `http://127.0.0.1:${closedPort}`, query: RATIO, interval: '200ms' }] } },
          'svc-http': { verify: { deadline: '3s', checks: [{ type: 'http', url: `http://127.0.0.1:${backend.port}/`, bodyMatch: '^svc$', successes: 4, interval: '100ms' }] } },
          'svc-wrongbody': { verify: { deadline: '1s', checks: [{ type: 'http', url: `http://127.0.0.1:${backend.port}/`, bodyMatch: 'healthy', interval: '100ms' }] } },
          'svc-tcp-closed': { verify: { deadline: '800ms', checks: [{ type: 'tcp', port: closedPort, interval: '200ms' }] } },
        },
      }),
    );
    await prometheus.waitForSeries(RATIO, 1);
  });

  after(async () => {
    await prometheus?.stop();
    await exporter?.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Prometheus query that returns series is unhealthy, and healthy once it returns an empty vector', async () => {
    const sick = await runActivity(activities.verify, stepInput('svc-empty'));
    assert.equal(sick.result.healthy, false);
    assert.match(sick.result.summary, /returned 1 series \(expected none\): .*medic_test_error_ratio.*=0\.5/);

    exporter.values.set(RATIO, 0.01);
    await prometheus.waitForSeries(`${RATIO} > 0.05`, 0);
    const well = await runActivity(activities.verify, stepInput('svc-empty'));
    assert.equal(well.result.healthy, true, well.result.summary);
    assert.match(well.result.summary, /: empty$/);
  });

  it('a Prometheus query with a threshold is healthy only while every value is under it', async () => {
    const well = await runActivity(activities.verify, stepInput('svc-threshold'));
    assert.equal(well.result.healthy, true, well.result.summary);
    assert.match(well.result.summary, /all 1 value\(s\) below 0\.05/);
    exporter.values.set(RATIO, 0.2);
    await prometheus.waitForSeries(`${RATIO} > 0.05`, 1);
    const sick = await runActivity(activities.verify, stepInput('svc-threshold'));
    assert.equal(sick.result.healthy, false);
    assert.match(sick.result.summary, /1 value\(s\) not below 0\.05: .*=0\.2/);
  });

  it('a query Prometheus rejects fails non-retryably; an unreachable Prometheus fails retryably', async () => {
    const bad = await activityFailure(activities.verify, stepInput('svc-badquery'));
    assert.equal(bad.type, FailureType.Misconfiguration);
    assert.match(bad.message, /Prometheus rejected the verify query/);
    const down = await activityFailure(activities.verify, stepInput('svc-noprom'));
    assert.equal(down.type, FailureType.TargetUnavailable);
    assert.equal(down.nonRetryable, false);
  });

  it('the HTTP probe needs N consecutive successes with a matching body', async () => {
    const hitsBefore = backend.hits;
    const { result } = await runActivity(activities.verify, stepInput('svc-http'));
    assert.equal(result.healthy, true);
    assert.equal(backend.hits - hitsBefore, 4);
    const wrong = await runActivity(activities.verify, stepInput('svc-wrongbody'));
    assert.equal(wrong.result.healthy, false);
    assert.match(wrong.result.summary, /HTTP 200 but the body does not match \/healthy\/ \(best run 0\/3 before the deadline\)/);
  });

  it('a TCP check against a closed port is unhealthy and says why', async () => {
    const { result } = await runActivity(activities.verify, stepInput('svc-tcp-closed'));
    assert.equal(result.healthy, false);
    assert.match(result.summary, /ECONNREFUSED until the deadline/);
  });
});
