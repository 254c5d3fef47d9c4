// Parsing what HAProxy's runtime API says about one server. Two views are read:
// `show stat` (CSV: status and current sessions) and `show servers state` (admin state bits),
// because the admin bits are what isolate and rejoin change and must confirm.

/** Admin state bits of `show servers state` (HAProxy's SRV_ADMF_* flags). */
export const ADMIN = {
  forcedMaint: 0x01,
  inheritedMaint: 0x02,
  configMaint: 0x04,
  forcedDrain: 0x08,
  inheritedDrain: 0x10,
  resolutionMaint: 0x20,
  hostnameMaint: 0x40,
} as const;

export interface ServerStat {
  backend: string;
  server: string;
  /** e.g. "UP", "DOWN", "DRAIN", "MAINT", "no check". */
  status: string;
  /** Current sessions. */
  sessions: number;
}

/** Rows of `show stat` for real servers (not the FRONTEND/BACKEND summary rows). */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const [px, sv, scur, status] = [col('pxname'), col('svname'), col('scur'), col('status')];
  if (px < 0 || sv < 0 || scur < 0 || status < 0) throw new Error(`unexpected "show stat" reply: ${lines[0] ?? '(empty)'}`);
  return lines
    .slice(1)
    .map((line) => line.split(','))
    .filter((f) => f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND')
    .map((f) => ({ backend: f[px] ?? '', server: f[sv] ?? '', status: f[status] ?? '', sessions: Number(f[scur] ?? 0) }));
}

/** Whether a server status means it takes new traffic. */
export function isServing(status: string): boolean {
  return status.startsWith('UP') || status === 'no check';
}

/** The admin state bits of one server from `show servers state <backend>`, or undefined if absent. */
export function parseAdminState(reply: string, server: string): number | undefined {
  const lines = reply.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('#'))?.replace(/^#\s*/, '').split(/\s+/) ?? [];
  const [name, admin] = [header.indexOf('srv_name'), header.indexOf('srv_admin_state')];
  if (name < 0 || admin < 0) throw new Error(`unexpected "show servers state" reply: ${lines.slice(0, 2).join(' | ') || '(empty)'}`);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields[name] === server) return Number(fields[admin]);
  }
  return undefined;
}

/** Words for an admin state, for summaries: "drain", "maint", "ready", "maint (config)". */
export function describeAdmin(bits: number): string {
  const words: string[] = [];
  if (bits & ADMIN.forcedMaint) words.push('maint');
  if (bits & ADMIN.forcedDrain) words.push('drain');
  if (bits & (ADMIN.inheritedMaint | ADMIN.inheritedDrain)) words.push('inherited from a tracked server');
  if (bits & ADMIN.configMaint) words.push('disabled in haproxy.cfg');
  if (bits & (ADMIN.resolutionMaint | ADMIN.hostnameMaint)) words.push('maint (DNS resolution)');
  return words.length === 0 ? 'ready' : words.join(', ');
}
