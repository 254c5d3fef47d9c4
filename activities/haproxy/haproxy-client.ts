import type { HaproxyTarget } from '../../src/config/haproxy-schema.js';
import { MisconfigurationError, TargetUnavailableError } from '../driver-errors.js';
import { describeAddress, runtimeCommand } from './runtime-api.js';
import { parseAdminState, parseShowStat, type ServerStat } from './server-state.js';

export interface ServerView {
  stat: ServerStat;
  /** The other servers of the same backend. */
  others: ServerStat[];
  admin: number;
}

/** The runtime API, for one target's server: read its state, change its admin state. */
export class HaproxyClient {
  constructor(
    private readonly cfg: HaproxyTarget,
    private readonly field: string,
  ) {}

  get label(): string {
    return `${this.cfg.backend}/${this.cfg.server}`;
  }

  private command(text: string): Promise<string> {
    return runtimeCommand(this.cfg.runtimeApi, text, this.cfg.commandTimeout);
  }

  /** Where the runtime API is, for messages. */
  get where(): string {
    return describeAddress(this.cfg.runtimeApi);
  }

  async read(): Promise<ServerView> {
    const statReply = await this.command(`show stat ${this.cfg.backend} 4 -1`);
    this.failOnError(statReply, 'show stat');
    const rows = parseShowStat(statReply).filter((r) => r.backend === this.cfg.backend);
    const stat = rows.find((r) => r.server === this.cfg.server);
    if (stat === undefined) {
      throw new MisconfigurationError(
        `HAProxy at ${this.where} has no server ${this.label}${rows.length > 0 ? ` (backend ${this.cfg.backend} has: ${rows.map((r) => r.server).join(', ')})` : ` (no backend named ${this.cfg.backend})`}. To fix: correct ${this.field}.backend and .server to match haproxy.cfg`,
      );
    }
    const stateReply = await this.command(`show servers state ${this.cfg.backend}`);
    this.failOnError(stateReply, 'show servers state');
    const admin = parseAdminState(stateReply, this.cfg.server);
    if (admin === undefined) throw new TargetUnavailableError(`HAProxy listed ${this.label} in "show stat" but not in "show servers state"; try again`);
    return { stat, others: rows.filter((r) => r.server !== this.cfg.server), admin };
  }

  async setState(state: 'ready' | 'drain' | 'maint'): Promise<void> {
    const reply = await this.command(`set server ${this.label} state ${state}`);
    // A successful "set server" answers nothing; any text is HAProxy explaining a refusal.
    if (reply.trim() !== '') this.failOnError(reply, `set server ${this.label} state ${state}`, true);
  }

  private failOnError(reply: string, command: string, always = false): void {
    const text = reply.trim();
    if (/permission denied/i.test(text)) {
      throw new MisconfigurationError(`HAProxy refused "${command}" at ${this.where}: ${text}. To fix: give that stats socket "level admin" in haproxy.cfg`);
    }
    if (always || /^(unknown|no such|require|can't find)/i.test(text)) {
      throw new MisconfigurationError(`HAProxy refused "${command}" at ${this.where}: ${text}. To fix: check ${this.field} against haproxy.cfg`);
    }
  }
}
