import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MEDIC_BIN, PROJECT_ROOT } from '../test/helpers/processes.js';
import type { Output } from './output.js';

/** How long `--auto` waits before approving, so the waiting incident is seen waiting. */
export const AUTO_APPROVE_AFTER_MS = 3_000;

export interface ApprovalRequest {
  incidentId: string;
  /** The environment of `medic` commands against the demo's Temporal. */
  env: NodeJS.ProcessEnv;
  /** TEMPORAL_ADDRESS of the demo, printed in the command when it is not the default. */
  temporalAddress: string;
  /** Resolves once the incident no longer waits (approved by anyone); stops waiting for Enter. */
  answered: Promise<unknown>;
}

const REASON = 'checked the diagnosis: a restart is safe';

/** A `medic` command as a person types it; with TEMPORAL_ADDRESS only when the demo is not on the default port. */
export function medicCommand(args: string, temporalAddress: string): string {
  const prefix = temporalAddress === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${temporalAddress} `;
  return `${prefix}npx medic ${args}`;
}

export function approveCommand(incidentId: string, temporalAddress: string, by = 'you'): string {
  return medicCommand(`approve ${incidentId} --by ${by} --reason "${REASON}"`, temporalAddress);
}

/** Run the real `medic approve` as a child process, the same code path as a person's command. */
export function runMedicApprove(incidentId: string, env: NodeJS.ProcessEnv, by: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MEDIC_BIN, 'approve', incidentId, '--by', by, '--reason', REASON], { cwd: PROJECT_ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`medic approve failed (${err.code ?? err.signal}): ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** Non-interactive (`--auto`, CI): approve after a few seconds with the CLI. */
export async function approveAutomatically(req: ApprovalRequest, out: Output): Promise<void> {
  out.line(`--auto: approving in ${AUTO_APPROVE_AFTER_MS / 1000} s, as you would with:`);
  out.detail(`  ${approveCommand(req.incidentId, req.temporalAddress)}`);
  await new Promise((r) => setTimeout(r, AUTO_APPROVE_AFTER_MS));
  out.line(`$ medic approve ${req.incidentId} --by demo --reason "${REASON}"`);
  out.line(`  ${await runMedicApprove(req.incidentId, req.env, 'demo')}`);
}

/** Interactive: the person approves in another terminal, or presses Enter and the demo runs the same command. */
export async function approveInteractively(req: ApprovalRequest, out: Output): Promise<void> {
  out.line('medic is waiting for a human. Approve the restart in another terminal:');
  out.line(`  ${approveCommand(req.incidentId, req.temporalAddress)}`);
  out.detail('(or press Enter here and the demo runs that command for you)');
  const rl = createInterface({ input: process.stdin });
  try {
    const entered = new Promise<'enter'>((resolve) => rl.once('line', () => resolve('enter')));
    if ((await Promise.race([entered, req.answered.then(() => 'answered' as const)])) === 'enter') {
      // Someone may have approved in another terminal meanwhile: then the CLI's refusal says so.
      out.line(`  ${await runMedicApprove(req.incidentId, req.env, 'you').catch((err: Error) => err.message)}`);
    }
  } finally {
    rl.close();
  }
}
