import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load-config.js';
import { ALERT_NAME } from './monitoring.js';
import type { DemoFleet } from './fleet.js';
import { BACKEND } from './haproxy.js';
import { PM2_ARGV } from '../test/helpers/pm2-fleet.js';

/** The service whose restarts the demo's configuration puts behind a human's approval. */
export const APPROVAL_SERVICE = 'web-c';

export interface ConfigInputs {
  fleet: DemoFleet;
  haproxySocket: string;
  webUiUrl: string;
}

/**
 * medic's configuration for the demo: one target per service, with every driver of
 * http-service-outage pointed at the real HAProxy, PM2 daemon and release trees. Short timeouts
 * so a scenario takes seconds, not minutes.
 */
export function demoConfig({ fleet, haproxySocket, webUiUrl }: ConfigInputs): Record<string, unknown> {
  const targets = Object.fromEntries(
    fleet.services.map((s) => [
      s.name,
      {
        description: `${s.name}: one of the three servers of the "${BACKEND}" pool`,
        pool: BACKEND,
        haproxy: { runtimeApi: { socket: haproxySocket }, backend: BACKEND, server: s.name, drainTimeout: '3s' },
        process: { manager: 'pm2', name: s.name, pm2: PM2_ARGV, pm2Home: fleet.home, listen: { port: s.port }, restartTimeout: '20s' },
        verify: { deadline: '4s', checks: [{ type: 'http', url: `${s.url}/healthz`, bodyMatch: '^ok', successes: 3, interval: '250ms' }] },
        release: { releasesDir: s.tree.releasesDir, currentLink: s.tree.currentLink },
        diagnose: { logLines: 10, debugUrl: `${s.url}/debug`, cpuSample: '200ms' },
      },
    ]),
  );
  // A recovered incident closes when its alert clears, or after settleFor at the latest.
  const common = { ackTimeout: '10 minutes', settleFor: '1 minute' };
  return {
    routes: [
      {
        name: `${APPROVAL_SERVICE} restarts need a human`,
        match: { alertname: ALERT_NAME, server: APPROVAL_SERVICE },
        playbook: 'http-service-outage',
        targetFromLabel: 'server',
        params: { ...common, approveRestart: true, approvalTimeout: '10 minutes' },
      },
      {
        name: 'web errors',
        match: { alertname: ALERT_NAME },
        matchRegex: { server: 'web-.*' },
        playbook: 'http-service-outage',
        targetFromLabel: 'server',
        params: common,
      },
    ],
    defaultRoute: { playbook: 'diagnose-and-escalate', targetFromLabel: 'service' },
    targets,
    escalation: { webUiUrl, channels: [{ type: 'log' }] },
  };
}

/** Write the configuration, after checking it with medic's own schema (a mistake here is ours). */
export function writeDemoConfig(path: string, inputs: ConfigInputs): void {
  const text = `# medic configuration written by the demo (demo/medic-config.ts); removed when it exits.\n${stringify(demoConfig(inputs))}`;
  parseConfig(text, path);
  writeFileSync(path, text);
}
