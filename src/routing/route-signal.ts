import type { MedicConfig, RouteAction } from '../config/config-schema.js';
import type { Signal } from '../signals/signal-schema.js';
import type { Params } from '../../workflows/definitions.js';

export interface RoutedSignal {
  route: string;
  playbook: string;
  target: string;
  params: Params;
  dryRun: boolean;
  /** Dry run only: outcomes assumed per activity (medic signal --assume). */
  assume?: Record<string, string[]>;
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

interface CompiledRoute {
  name: string;
  equal: [string, string][];
  regex: [string, RegExp][];
  action: RouteAction;
}

// Regular expressions are compiled once per configuration, not once per alert.
const compiled = new WeakMap<MedicConfig, CompiledRoute[]>();

function compileRoutes(config: MedicConfig): CompiledRoute[] {
  let routes = compiled.get(config);
  if (routes === undefined) {
    routes = config.routes.map((route) => ({
      name: route.name,
      equal: Object.entries(route.match),
      regex: Object.entries(route.matchRegex).map(([k, src]): [string, RegExp] => [k, new RegExp(`^(?:${src})$`, 'u')]),
      action: route,
    }));
    compiled.set(config, routes);
  }
  return routes;
}

/**
 * First matching route wins; then the default route; otherwise the signal is unrouted.
 * As in Prometheus matchers, a label the alert lacks reads as "": `match: { team: "" }` matches
 * alerts without a team label.
 */
export function routeSignal(config: MedicConfig, signal: Signal): RouteDecision {
  const labels = labelsOf(signal);
  for (const route of compileRoutes(config)) {
    const equal = route.equal.every(([k, v]) => (labels[k] ?? '') === v);
    const regex = route.regex.every(([k, re]) => re.test(labels[k] ?? ''));
    if (equal && regex) return resolve(route.name, route.action, labels);
  }
  if (config.defaultRoute !== undefined) return resolve('default', config.defaultRoute, labels);
  return { routed: false, reason: 'no route matches and there is no defaultRoute' };
}
