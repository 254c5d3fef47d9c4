import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { CommandInput } from '../../activities/contract.js';
import { ACTIVITIES, changesTarget, declarationForCall, declarationOf, type Effect } from '../../activities/declarations.js';

// Finding 6 of the safety review: the kill switch held only the activities named in a fixed list
// inside workflow code, so a new activity that changes a host escaped it and the guards. Now the
// engine reads each activity's declared effect and guard, and keeps no list of names.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NAMES = Object.keys(ACTIVITIES);

describe('activity declarations', () => {
  it('the kill switch holds every activity whose declared effect changes the target, and only those', () => {
    const held: Record<Effect, boolean> = { reads: false, verifies: false, notifies: false, 'takes-out': true, 'puts-back': true, changes: true };
    for (const [name, declaration] of Object.entries(ACTIVITIES)) {
      assert.equal(changesTarget(declaration.effect), held[declaration.effect], `${name} (${declaration.effect})`);
    }
    assert.deepEqual(NAMES.filter((n) => changesTarget(ACTIVITIES[n as keyof typeof ACTIVITIES].effect)).sort(), ['command', 'isolate', 'rejoin', 'restart', 'rollback', 'rollforward']);
  });

  it('a command is held or not by the effect its call states, and is a change when the call states none', () => {
    const call = (effect: unknown): CommandInput => ({ incidentId: 'i', target: 't', params: {}, action: 'cleanup', effect: effect as CommandInput['effect'] });
    assert.equal(declarationForCall('command', call('changes')).effect, 'changes');
    assert.equal(declarationForCall('command', call('read-only')).effect, 'reads');
    assert.equal(changesTarget(declarationForCall('command', call('read-only')).effect), false);
    for (const unstated of [undefined, 'reads', 'READ-ONLY']) assert.equal(declarationForCall('command', call(unstated)).effect, 'changes', String(unstated));
    // Activities whose effect is fixed ignore what a call says.
    assert.equal(declarationForCall('restart', { incidentId: 'i', target: 't', params: {} }).effect, 'changes');
  });

  it('the guards count what the declarations say: isolations against the blast radius, restarts against the budget', () => {
    assert.equal(ACTIVITIES.isolate.guard, 'blast-radius');
    assert.equal(ACTIVITIES.restart.guard, 'restart-budget');
    assert.deepEqual(NAMES.filter((n) => ACTIVITIES[n as keyof typeof ACTIVITIES].guard !== undefined).sort(), ['isolate', 'restart']);
  });

  it('every undo names a declared activity, and only a put-back undo needs a verify first', () => {
    for (const [name, declaration] of Object.entries(ACTIVITIES)) {
      if (declaration.undo === undefined) continue;
      assert.ok(NAMES.includes(declaration.undo.activity), `${name}'s undo ${declaration.undo.activity} is declared`);
    }
    assert.equal(declarationOf(ACTIVITIES.isolate.undo?.activity ?? 'isolate').effect, 'puts-back');
  });

  it('the engine keeps no list of activity names of its own: the runtime reads the declarations', () => {
    const dir = join(ROOT, 'workflows', 'runtime');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const code = readFileSync(join(dir, file), 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      // A set or array literal holding two or more activity names is a list the declarations should carry.
      const list = new RegExp(`[\\[(]\\s*'(${NAMES.join('|')})'\\s*,\\s*'(${NAMES.join('|')})'`);
      assert.doesNotMatch(code, list, `workflows/runtime/${file} lists activity names`);
      // Decisions on one activity by name (=== 'restart') belong in its declaration too ('verify' is the step the safe-undo rule runs itself).
      assert.doesNotMatch(code, new RegExp(`=== '(${NAMES.filter((n) => n !== 'verify').join('|')})'`), `workflows/runtime/${file} decides by an activity's name`);
    }
  });
});
