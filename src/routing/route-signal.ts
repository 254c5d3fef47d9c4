import type { MedicConfig, RouteAction } from '../config/config-schema.js';
import type { Signal } from '../signals/signal-schema.js';
import type { Params } from '../../workflows/definitions.js';

export interface RoutedSignal {
  route: string;
  playbook: string;
  target: string;
  params: Params;
  dryRun: boolean;
}

export type RouteDecision = { routed: true; decision: RoutedSignal } | { routed: false; reason: string };

function labelsOf(signal: Signal): Record<string, string> {
  return { alertname: signal.alertname, service: signal.service, severity: signal.severity, ...signal.labels };
}

function resolve(name: string, action: RouteAction, labels: Record<string, string>): RouteDecision {
  const target = action.target ?? labels[action.targetFromLabel ?? ''];
  if (target === undefined || target === '') {
    return { routed: false, reason: `route "${name}" takes its target from label "${action.targetFromLabel}", which the alert lacks` };
  }
  return { routed: true, decision: { route: name, playbook: action.playbook, target, params: action.params as Params, dryRun: action.dryRun } };
}

/** First matching route wins; then the default route; otherwise the signal is unrouted. */
export function routeSignal(config: MedicConfig, signal: Signal): RouteDecision {
  const labels = labelsOf(signal);
  for (const route of config.routes) {
    const equal = Object.entries(route.match).every(([k, v]) => labels[k] === v);
    const regex = Object.entries(route.matchRegex).every(([k, src]) => new RegExp(`^(?:${src})$`, 'u').test(labels[k] ?? ''));
    if (equal && regex) return resolve(route.name, route, labels);
  }
  if (config.defaultRoute !== undefined) return resolve('default', config.defaultRoute, labels);
  return { routed: false, reason: 'no route matches and there is no defaultRoute' };
}
