import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { formatTable } from '../../src/cli/format-table.js';
import { terminalSafe, terminalSafeJson } from '../../src/cli/terminal-safe.js';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { post, startTestIntake } from '../helpers/intake.js';
import { runMedic } from '../helpers/processes.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// Alerts come from senders that may not be authenticated; what they wrote reaches an operator's
// terminal through `medic show` and `medic incidents`. Control characters in it must be shown, not obeyed.

after(closeTestTemporal);

const ESC = '\u001b';
/** A hyperlink that shows one thing and opens another, then erases the line and returns the cursor. */
const HOSTILE = `${ESC}]8;;https://evil.example/${ESC}\\Checkout${ESC}]8;;${ESC}\\${ESC}[2K\rInfo`;
/** Anything a terminal acts on: C0 (newline aside, which separates the lines we print), DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex
const ACTS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminal output', () => {
  it('shows control characters as visible escapes and leaves ordinary text as it is', () => {
    const cases: [string, string][] = [
      [`${ESC}[2K`, '\\x1b[2K'],
      ['up\rdown', 'up\\x0ddown'],
      ['two\nlines\tand a tab', 'two\\x0alines\\x09and a tab'],
      ['\u009b31m one-byte CSI', '\\x9b31m one-byte CSI'],
      ['\u202eevil.exe', '\\u{202e}evil.exe'],
      ['DEL\u007f', 'DEL\\x7f'],
      ['plain text, a backslash \\ and 日本語 ok', 'plain text, a backslash \\ and 日本語 ok'],
    ];
    for (const [input, shown] of cases) assert.equal(terminalSafe(input), shown, JSON.stringify(input));
  });

  it('neutralises every table cell, and keeps JSON output the same data', () => {
    const table = formatTable(['ALERT'], [[HOSTILE]]);
    assert.doesNotMatch(table.replaceAll('\n', ''), ACTS);
    const value = { alert: `${HOSTILE}\u009b\u202e` };
    const json = terminalSafeJson(value);
    assert.doesNotMatch(json.replaceAll('\n', ''), ACTS);
    assert.deepEqual(JSON.parse(json), value, 'the escaped JSON parses back to the same strings');
  });

  it('prints the escape sequences of an unauthenticated signal as text in medic show and medic incidents', async (t) => {
    const name = uniqueName(t.name);
    const service = `svc-${name}`;
    const { client } = await testTemporal();
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '' };
    const routes = 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: instance\n  params: { ackTimeout: 1 hour }\n';
    await withWorker(name, new FakeFleet().activities, async () => {
      const intake = await startTestIntake({ client, taskQueue: name, configYaml: routes });
      try {
        const res = await post(`${intake.url}/v1/signals`, { alertname: HOSTILE, service, fingerprint: name, summary: HOSTILE, labels: { instance: 'checkout-1' } });
        assert.equal(res.status, 202, JSON.stringify(res.body));
      } finally {
        await intake.close();
      }
      const show = await eventually('the signal in the timeline', async () => {
        const r = await runMedic(['show', incidentWorkflowId(name)], env);
        return r.code === 0 && r.stdout.includes('firing:') ? r : undefined;
      });
      assert.doesNotMatch(show.stdout.replaceAll('\n', ''), ACTS, 'nothing in medic show acts on the terminal');
      assert.ok(show.stdout.includes('\\x1b]8;;https://evil.example/'), 'the link is shown as the text it is');
      assert.ok(show.stdout.includes('\\x1b[2K\\x0dInfo'));

      const listed = await eventually('the incident in visibility', async () => {
        const r = await runMedic(['incidents', '--service', service], env);
        return r.code === 0 && r.stdout.includes(incidentWorkflowId(name)) ? r : undefined;
      });
      assert.doesNotMatch(listed.stdout.replaceAll('\n', ''), ACTS, 'nothing in medic incidents acts on the terminal');
      assert.ok(listed.stdout.includes('\\x1b]8;;https://evil.example/'));

      const json = await runMedic(['show', incidentWorkflowId(name), '--json'], env);
      assert.doesNotMatch(json.stdout.replaceAll('\n', ''), ACTS);
      const entry = (JSON.parse(json.stdout) as { timeline: { kind: string; message: string }[] }).timeline.find((e) => e.kind === 'signal');
      assert.equal(entry?.message, `firing: ${HOSTILE} on ${service}`, '--json keeps the exact text, escaped as JSON');
    });
  });
});
