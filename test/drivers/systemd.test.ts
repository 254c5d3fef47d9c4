import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FailureType } from '../../activities/contract.js';
import { activityFailure, driverActivities, runActivity, stepInput, testConfig } from '../helpers/driver-activities.js';
import { freePort } from '../helpers/ports.js';
import { makeReleaseTree } from '../helpers/release-tree.js';

// systemd is not PID 1 in containers or CI, so systemctl and journalctl are replaced at the
// process boundary by test/fixtures/fake-systemd.cjs, which starts and stops real processes.
const FAKE = fileURLToPath(new URL('../fixtures/fake-systemd.cjs', import.meta.url));

describe('the systemd restart driver, through systemctl and journalctl argv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-systemd-'));
  const pidFile = join(dir, 'api.service.pid');
  let port: number;
  let activities: ReturnType<typeof driverActivities>;

  before(async () => {
    port = await freePort();
    const tree = makeReleaseTree(join(dir, 'api'), ['v1'], 'v1');
    writeFileSync(join(dir, 'api.service.json'), JSON.stringify({ script: tree.script, env: { PORT: String(port), BACKEND_NAME: 'api' } }));
    const systemd = {
      manager: 'systemd',
      systemctl: [process.execPath, FAKE, dir, 'systemctl'],
      journalctl: [process.execPath, FAKE, dir, 'journalctl'],
      listen: { port },
      restartTimeout: '10s',
    };
    activities = driverActivities(
      testConfig({
        targets: {
          api: { process: { ...systemd, unit: 'api.service' }, diagnose: { logLines: 3, cpuSample: '100ms' } },
          ghost: { process: { ...systemd, unit: 'ghost.service' } },
        },
      }),
    );
  });

  after(() => {
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a stopped unit and waits until it listens, then restarts it with a new PID', async () => {
    const first = await runActivity(activities.restart, stepInput('api'));
    assert.match(first.result.summary, new RegExp(`^systemd unit api\\.service restarted: PID none -> \\d+, listening on 127\\.0\\.0\\.1:${port}`));
    const second = await runActivity(activities.restart, stepInput('api'));
    assert.equal(second.result.data?.['oldPid'], first.result.data?.['newPid']);
    assert.notEqual(second.result.data?.['newPid'], first.result.data?.['newPid']);
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    assert.match(await res.text(), new RegExp(`^hello from api v1 pid ${String(second.result.data?.['newPid'])}`));
  });

  it("diagnose reads the unit's PID from systemctl and its log from journalctl", async () => {
    const { result } = await runActivity(activities.diagnose, stepInput('api'));
    const proc = result.data?.['process'] as Record<string, unknown>;
    assert.equal(proc['pid'], Number(readFileSync(pidFile, 'utf8')));
    const [log] = result.data?.['log'] as { source: string; lines: string[] }[];
    assert.equal(log?.source, process.execPath);
    assert.ok(log !== undefined && log.lines.length === 3, 'logLines caps what is read');
    assert.match(log.lines.join('\n'), /api v1 listening on \d+/);
    assert.match(log.lines.at(-1) ?? '', /GET \/ 200$/);
  });

  it('an unknown unit fails non-retryably and says how to fix it', async () => {
    const failure = await activityFailure(activities.restart, stepInput('ghost'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /exited with code 5 .*could not be found.*To fix: check targets\.ghost\.process\.unit/);
  });
});
