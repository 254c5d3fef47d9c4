import { condition, setHandler } from '@temporalio/workflow';
import type { Signal } from '../../src/signals/signal-schema.js';
import {
  abortUpdate,
  ackUpdate,
  alertSignal,
  approveUpdate,
  noteUpdate,
  resolvedSignal,
  retryUpdate,
  signalsQuery,
  stateQuery,
  timelineQuery,
} from '../definitions.js';
import { guardReplySignal, holderFinishedSignal, pausedSignal, targetGrantedSignal } from '../guards/definitions.js';
import type { Escalations } from './escalations.js';
import { validateAction } from './human-gates.js';
import type { IncidentGuards } from './incident-guards.js';
import type { IncidentRun } from './incident-run.js';

/** Signals and queries: every distinct notification is in the record, repeats as counts. */
export function registerSignalHandlers(run: IncidentRun, stopsOnResolve: boolean): void {
  const { timeline, input, signals } = run;
  const takeSignal = (signal: Signal): boolean => {
    const taken = signals.take(signal, new Date().toISOString());
    if (taken === 'duplicate') return false;
    // The first firing and the first resolution are entries; later ones are counted (state query,
    // details, and a summary entry when the incident closes), so any number of them stays bounded.
    if (taken === 'new') {
      timeline.add(signal.status === 'resolved' ? 'resolved' : 'signal', `${signal.status}: ${signal.alertname} on ${signal.service}`, {
        actor: signal.source,
        data: {
          signalId: signal.id,
          severity: signal.severity,
          ...(signal.startsAt !== undefined && { startsAt: signal.startsAt }),
          ...(signal.summary !== undefined && { summary: signal.summary }),
        },
      });
    }
    return true;
  };
  const onResolved = (signal: Signal): void => {
    if (!takeSignal(signal) || run.resolvedBy !== undefined || run.closed) return;
    run.resolvedBy = signal;
    run.resolvedWhileRunning = run.playbookRunning;
    if (run.playbookScope !== undefined && stopsOnResolve) {
      timeline.add('note', `${input.playbook} stops when its alert resolves: stopping and undoing what is safe to undo`);
      run.playbookScope.cancel();
    }
  };
  setHandler(alertSignal, (signal) => {
    if (signal.status === 'resolved') onResolved(signal);
    else takeSignal(signal);
    run.refreshDetails();
  });
  setHandler(resolvedSignal, (signal) => {
    onResolved(signal);
    run.refreshDetails();
  });
  setHandler(timelineQuery, () => timeline.all());
  setHandler(stateQuery, () => run.state());
  setHandler(signalsQuery, () => signals.view());
}

/** What the guard workflow tells an incident: its target is free, the incident it joined ended, pause. */
export function registerGuardSignals(run: IncidentRun, guards: IncidentGuards): void {
  setHandler(guardReplySignal, (reply) => guards.onReply(reply));
  setHandler(targetGrantedSignal, (granted) => guards.onGranted(granted));
  setHandler(holderFinishedSignal, (finished) => guards.onHolderFinished(finished));
  setHandler(pausedSignal, (paused, version) => {
    guards.onPaused(paused, version);
    run.refreshDetails();
  });
}

/** Human actions: updates whose validators reject what makes no sense now (and leave no trace). */
export function registerHumanActions(run: IncidentRun, escalations: Escalations): void {
  const { timeline, gates, incidentId } = run;
  const open = (action: Parameters<typeof validateAction>[0]) => {
    validateAction(action);
    if (run.outcome !== undefined) throw new Error(run.closedMessage());
  };
  setHandler(
    approveUpdate,
    (action) => {
      gates.approve(action);
      return run.state();
    },
    {
      validator: (action) => {
        open(action);
        if (gates.pendingApproval === undefined) {
          throw new Error(`nothing to approve: incident ${incidentId} is ${run.status} and no approval is waiting`);
        }
      },
      description: 'Approve the step the playbook is waiting on.',
    },
  );
  setHandler(
    ackUpdate,
    async (action) => {
      gates.ack(action);
      run.apply({ type: 'acked' });
      await escalations.followUp('acknowledge', `acknowledged by ${action.by}: ${action.reason}`);
      return run.state();
    },
    {
      validator: (action) => {
        open(action);
        if (!gates.awaitingAck) {
          throw new Error(`nothing to acknowledge: incident ${incidentId} is ${run.status} and has no unacknowledged escalation`);
        }
      },
      description: 'Acknowledge an escalation: a human owns the incident now.',
    },
  );
  setHandler(
    retryUpdate,
    (action) => {
      run.retryRequest = action;
      timeline.add('retry', `retry requested: ${action.reason}`, { actor: action.by });
      return run.state();
    },
    {
      validator: (action) => {
        open(action);
        if (run.phase.name !== 'held' || run.retryRequest !== undefined) {
          throw new Error(
            `cannot retry incident ${incidentId} while it is ${run.status}: retry is for an escalated or failed playbook waiting for a human`,
          );
        }
      },
      description: 'Run the playbook again after it escalated or failed.',
    },
  );
  setHandler(
    abortUpdate,
    async (action) => {
      run.abortRequest = action;
      timeline.add('abort', `abort requested: ${action.reason}`, { actor: action.by });
      run.playbookScope?.cancel();
      // Answer once the undo has run, so the caller sees the incident's final state.
      await condition(() => run.closed);
      return run.state();
    },
    {
      validator: (action) => {
        open(action);
        if (run.abortRequest !== undefined) throw new Error(`incident ${incidentId} is already being aborted by ${run.abortRequest.by}`);
      },
      description: 'Stop the playbook and undo what is safe to undo, newest first.',
    },
  );
  setHandler(
    noteUpdate,
    (action) => {
      timeline.add('note', action.reason, { actor: action.by });
      return run.state();
    },
    { validator: validateAction, description: 'Add a note to the timeline.' },
  );
}
