import { describeCommand } from '../../activities/command/describe-command.js';
import { activityNamesOf } from '../../workflows/runtime/playbook-api.js';
import { declarationOf, type TargetSection } from '../../activities/declarations.js';
import type { ActivityName } from '../../activities/contract.js';
import { findPlaybook } from '../../playbooks/index.js';
import type { Params } from '../../workflows/definitions.js';
import type { MedicConfig } from '../config/config-schema.js';
import { channelName } from '../config/escalation-schema.js';
import { describeSecret, type SecretRef } from '../config/secret-ref.js';
import type { TargetConfig } from '../config/target-schema.js';
import type { RoutedSignal } from '../routing/route-signal.js';

// `medic signal --dry-run`: what a routed signal would act on, resolved from the configuration the
// way the worker resolves it when a step runs (argv, HAProxy backend and server, URLs), with every
// secret shown as where it comes from, never its value. Nothing is sent anywhere.

/** A URL without what may be a credential: the password of its user part and its query values. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '<redacted: not a URL>';
  }
  if (url.password !== '') url.password = 'redacted';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, 'redacted');
  return url.toString();
}

const secret = (ref: SecretRef): string => `<redacted: ${describeSecret(ref)}>`;

/** One describer per target section: a new section fails to compile until it says what to show. */
const SECTIONS: { [S in TargetSection]: (value: NonNullable<TargetConfig[S]>) => Params } = {
  haproxy: (h) => ({
    runtimeApi: 'socket' in h.runtimeApi ? h.runtimeApi.socket : `${h.runtimeApi.host}:${h.runtimeApi.port}`,
    backend: h.backend,
    server: h.server,
    isolateAs: h.isolateAs,
    drainTimeoutMs: h.drainTimeout,
  }),
  process: (p): Params => {
    const listen: Params = p.listen === undefined ? {} : { listen: `${p.listen.host}:${p.listen.port}` };
    if (p.manager === 'pm2') return { manager: 'pm2', restart: [...p.pm2, 'restart', p.name], ...(p.pm2Home !== undefined && { pm2Home: p.pm2Home }), ...listen };
    if (p.manager === 'systemd') return { manager: 'systemd', restart: [...p.systemctl, 'restart', p.unit], ...listen };
    const env: Params = Object.fromEntries(Object.keys(p.env).map((k) => [k, '<redacted: an inline value>']));
    return {
      manager: 'command',
      restart: [...p.restart],
      pid: 'file' in p.pid ? ({ file: p.pid.file } as Params) : ({ command: [...p.pid.command] } as Params),
      ...(p.cwd !== undefined && { cwd: p.cwd }),
      ...(Object.keys(env).length > 0 && { env }),
      ...listen,
    };
  },
  verify: (v) => ({
    deadlineMs: v.deadline,
    checks: v.checks.map((c): Params => {
      if (c.type === 'tcp') return { type: 'tcp', address: `${c.host}:${c.port}` };
      if (c.type === 'http') return { type: 'http', url: redactUrl(c.url), expectStatus: c.expectStatus };
      return { type: 'prometheus', url: redactUrl(c.url), query: c.query, ...(c.below !== undefined && { below: c.below }) };
    }),
  }),
  release: (r) => ({ releasesDir: r.releasesDir, currentLink: r.currentLink, restartOnRollback: r.restartOnRollback }),
  diagnose: (d) => ({ logLines: d.logLines, ...(d.debugUrl !== undefined && { debugUrl: redactUrl(d.debugUrl) }), maxBytes: d.maxBytes }),
  commands: (c) => Object.fromEntries(Object.entries(c).map(([action, cfg]) => [action, describeCommand(action, cfg)])),
};

export interface PlannedActivity {
  activity: string;
  /** The declared effect; for a command, its actions' effects are in `config`. */
  effect: string;
  section?: string;
  /** The resolved section; undefined when the target lacks it (the step would fail and say so). */
  config?: Params;
  missing?: string;
}

export interface DriverPlan {
  playbook: string;
  target: string;
  /** True when the route itself is a dry run: the incident would call nothing. */
  routeDryRun: boolean;
  inInventory: boolean;
  activities: PlannedActivity[];
  escalation: Params[];
}

export function driverPlan(config: MedicConfig, route: RoutedSignal): DriverPlan {
  const playbook = findPlaybook(route.playbook);
  const target: TargetConfig | undefined = Object.hasOwn(config.targets, route.target) ? config.targets[route.target] : undefined;
  const activities = (playbook === undefined ? [] : activityNamesOf(playbook)).map((activity): PlannedActivity => {
    const declaration = declarationOf(activity);
    const planned: PlannedActivity = { activity, effect: declaration.effectOf === undefined ? declaration.effect : 'per call' };
    if (declaration.section === undefined) return planned;
    const name = declaration.section.name;
    const value = (target as Record<string, unknown> | undefined)?.[name];
    if (value === undefined) return { ...planned, section: name, missing: `no ${name} section: the step would fail. To fix: add ${declaration.section.hint} under targets.${route.target}` };
    // An extension's section: its keys only (medic cannot tell which of its values are secrets).
    const describe = Object.hasOwn(SECTIONS, name) ? (SECTIONS[name as TargetSection] as (v: unknown) => Params) : (v: unknown) => ({ keys: Object.keys(v as object) });
    return { ...planned, section: name, config: describe(value) };
  });
  const escalation = config.escalation.channels.map((c): Params => {
    if (c.type === 'log') return { channel: channelName(c), type: 'log' };
    if (c.type === 'pagerduty') return { channel: channelName(c), type: 'pagerduty', url: redactUrl(c.url), routingKey: secret(c.routingKey) };
    if (c.type === 'slack') return { channel: channelName(c), type: 'slack', webhookUrl: secret(c.webhookUrl) };
    return { channel: channelName(c), type: 'webhook', url: secret(c.url), headers: Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, secret(v)])) };
  });
  return { playbook: route.playbook, target: route.target, routeDryRun: route.dryRun, inInventory: target !== undefined, activities, escalation };
}

const show = (value: unknown): string => (Array.isArray(value) ? `[${value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}]` : typeof value === 'string' ? value : JSON.stringify(value));

/** The plan as lines for a terminal. */
export function formatDriverPlan(plan: DriverPlan, sent: 'nothing' | 'dry run'): string[] {
  const lines = [
    `plan: playbook ${plan.playbook} on ${plan.target}${plan.inInventory ? '' : ' (not in targets)'}; ${sent === 'nothing' ? 'nothing was sent' : 'opening a dry run: it lists its steps and calls nothing'}`,
    ...(plan.routeDryRun && sent === 'nothing' ? ['  the route is a dry run: the incident would list these steps and call nothing'] : []),
  ];
  for (const a of plan.activities) {
    lines.push(`  ${a.activity} (${a.effect})${a.section === undefined ? '' : `: targets.${plan.target}.${a.section}`}`);
    if (a.missing !== undefined) lines.push(`    ${a.missing}`);
    for (const [key, value] of Object.entries(a.config ?? {})) {
      if (a.section === 'commands' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const c = value as Params;
        lines.push(`    ${key}: ${show(c['argv'])} (${String(c['effect'])}${c['effect'] === 'changes' ? ', held by medic pause' : ''})`);
        for (const k of ['cwd', 'env', 'timeoutMs', 'retryable'] as const) if (c[k] !== undefined) lines.push(`      ${k}: ${show(c[k])}`);
      } else {
        lines.push(`    ${key}: ${show(value)}`);
      }
    }
  }
  lines.push(`  escalation: ${plan.escalation.map((c) => Object.entries(c).map(([k, v]) => `${k} ${show(v)}`).join(' ')).join('; ')}`);
  return lines;
}
