import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';

// Looks for secrets in text the way a leak would carry them: as is, URL-encoded, or base64-encoded
// at any byte offset (payload bytes in a history's JSON form are base64, so a secret inside a
// payload shows only as a base64 fragment).

export interface Finding {
  source: string;
  secret: string;
  form: string;
  excerpt: string;
}

/** The forms a secret can take in a log, a history's JSON or a URL. */
export function secretForms(secret: string): { form: string; text: string }[] {
  const forms = [
    { form: 'raw', text: secret },
    { form: 'url-encoded', text: encodeURIComponent(secret) },
  ];
  // base64 of the secret starting at byte offset 0, 1 or 2 of a 3-byte group: keep only the
  // characters whose 6 bits all come from the secret, so the fragment matches inside any blob.
  const bytes = Buffer.byteLength(secret);
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret)]).toString('base64');
    const fragment = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes)) / 6));
    forms.push({ form: `base64@${offset}`, text: fragment });
    forms.push({ form: `base64url@${offset}`, text: fragment.replace(/\+/g, '-').replace(/\//g, '_') });
  }
  return forms.filter((f) => f.text.length >= 8);
}

/** Every place one of `secrets` appears in `text`, in any of its forms. */
export function findSecrets(source: string, text: string, secrets: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of secrets) {
    for (const { form, text: needle } of secretForms(secret)) {
      const at = text.indexOf(needle);
      if (at >= 0) findings.push({ source, secret: `${secret.slice(0, 4)}…`, form, excerpt: text.slice(Math.max(0, at - 60), at + needle.length + 20) });
    }
  }
  return findings;
}

/** The data of every payload in a history (or any proto object), as text, for scanning. */
export function payloadTexts(node: unknown, out: string[] = []): string[] {
  if (typeof node !== 'object' || node === null || node instanceof Uint8Array) return out;
  for (const value of Object.values(node)) {
    const p = value as Payload | null;
    if (p && typeof p === 'object' && 'data' in p && p.data instanceof Uint8Array) {
      out.push(Buffer.from(p.data).toString('utf8'));
      for (const m of Object.values(p.metadata ?? {})) out.push(Buffer.from(m).toString('utf8'));
    } else {
      payloadTexts(value, out);
    }
  }
  return out;
}

/** One workflow run listed by visibility. */
export interface ListedRun {
  workflowId: string;
  runId: string;
  type: string;
}

/** Every run (open or closed) the visibility `query` lists. */
export async function listRuns(client: Client, query: string): Promise<ListedRun[]> {
  const runs: ListedRun[] = [];
  for await (const w of client.workflow.list({ query })) runs.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  return runs;
}

/**
 * The history of every run the visibility `query` lists (incidents, the guard workflow, every run
 * a continue-as-new left behind), each as its JSON and its decoded payload texts, ready to scan.
 */
export async function historySources(client: Client, query: string): Promise<{ runs: ListedRun[]; sources: [string, string][] }> {
  const runs = await listRuns(client, query);
  const sources: [string, string][] = [];
  for (const run of runs) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const name = `${run.type} ${run.workflowId} (run ${run.runId})`;
    sources.push([`history ${name}`, JSON.stringify(history)], [`history payloads ${name}`, payloadTexts(history).join('\n')]);
  }
  return { runs, sources };
}
