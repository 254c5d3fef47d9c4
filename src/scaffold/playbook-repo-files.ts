// The files `medic init` writes: a playbook repository of the user's own (docs/extensions.md).
// Kept as code, not a folder of templates, so they ship compiled with the package and a test can
// check them without a file list kept elsewhere. The playbook is the disk-filling example:
// diagnose, a custom activity that frees space, verify, ask before a restart (10 minutes), escalate.

export interface ScaffoldVersions {
  medic: string;
  protobufjs: string;
  zod: string;
  testing: string;
  tsx: string;
  typescript: string;
  typesNode: string;
}

export function playbookRepoFiles(name: string, v: ScaffoldVersions): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: {
          build: 'tsc -p tsconfig.json',
          test: 'node --import tsx --test test/*.test.ts',
          'check-config': 'npm run build && MEDIC_CONFIG=medic.yaml medic signal --plan --alertname DiskFilling --service scratch --label instance=host-1',
          replay: 'npm run build && MEDIC_CONFIG=medic.yaml medic replay --last 50',
          worker: 'npm run build && MEDIC_CONFIG=medic.yaml medic worker',
        },
        // protobufjs: one copy for the Temporal SDK's packages (see medic's docs/replay.md, "type must be a Type").
        dependencies: { medic: v.medic, protobufjs: v.protobufjs, zod: v.zod },
        devDependencies: { '@temporalio/testing': v.testing, '@types/node': v.typesNode, tsx: v.tsx, typescript: v.typescript },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: false,
          skipLibCheck: true,
          outDir: 'dist',
          rootDir: 'src',
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'src/workflows.ts': `import { z } from 'zod';
import { defineActivity, definePlaybook, durationWithDefault, type StepOutput } from 'medic/playbook';

// Workflow code: deterministic, no I/O, no Node APIs. medic bundles this module beside its own
// playbooks (the configuration's extension.workflows) and replays it: before you deploy a change,
// run \`npm run replay\` against your cluster (docs: medic's docs/replay.md).

/** Your own activity: what the engine knows of it. The implementation is in activities.ts. */
export const freeDisk = defineActivity<{ olderThanMinutes?: number }, StepOutput & { data: { removed: number } }>('free-disk', {
  description: 'delete files older than a cutoff under the target scratch folder',
  effect: 'changes', // held by \`medic pause\`; a rejoin needs a passing verify after it
  timeout: '2 minutes',
  retry: 'careful',
  section: { name: 'disk', hint: 'a disk section (scratch: a folder)' },
  dryRun: { summary: 'dry run: nothing deleted', data: { removed: 0 } },
});

export const diskFilling = definePlaybook({
  name: 'disk-filling',
  description: 'Free disk space on a filling host, verify, ask before a restart, else escalate.',
  params: z.object({
    /** Files older than this many minutes are removed. */
    olderThanMinutes: z.number().int().min(0).default(60),
    /** How long to wait for a human to approve the restart. */
    approvalTimeout: durationWithDefault('10 minutes'),
    /** How long an escalation waits for \`medic ack\`. */
    ackTimeout: durationWithDefault('15 minutes'),
  }),
  activities: ['diagnose', freeDisk, 'verify', 'restart', 'escalate'],
  stopsOnResolve: true,

  async run(pb) {
    await pb.optional('capture evidence', () => pb.step(\`diagnose \${pb.target}\`, 'diagnose'));
    const freed = await pb.step(\`free disk on \${pb.target}\`, freeDisk, { with: { olderThanMinutes: pb.params.olderThanMinutes } });
    pb.note(\`removed \${freed.data.removed} file(s)\`);
    if ((await pb.step(\`verify \${pb.target}\`, 'verify')).healthy) return 'recovered';
    if ((await pb.approval(\`restart \${pb.target}?\`, { timeout: pb.params.approvalTimeout })) === 'timed-out') {
      await pb.escalate(\`nobody approved restarting \${pb.target}; the disk is still filling\`, { ackTimeout: pb.params.ackTimeout });
      return 'escalated';
    }
    await pb.step(\`restart \${pb.target}\`, 'restart');
    return (await pb.step(\`verify \${pb.target} after restart\`, 'verify')).healthy ? 'recovered' : 'escalated';
  },
});

/** The playbooks medic registers from this module. */
export const playbooks = [diskFilling];
`,
    'src/activities.ts': `import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { implement } from 'medic';
import { freeDisk } from './workflows.js';

// Worker code: plain Node, may do I/O. Keep each activity idempotent (running it twice is safe).

/** The target sections your activities read: checked when the configuration loads. */
export const sections = {
  disk: z.object({ scratch: z.string().min(1) }).strict(),
};

export const activities = [
  implement(freeDisk, async (input, { target, logger }) => {
    const { scratch } = sections.disk.parse(target['disk']);
    const cutoff = Date.now() - (input.olderThanMinutes ?? 60) * 60_000;
    let removed = 0;
    for (const name of await readdir(scratch)) {
      const path = join(scratch, name);
      if ((await stat(path)).mtimeMs <= cutoff) {
        await rm(path, { recursive: true, force: true });
        removed += 1;
      }
    }
    logger.info({ scratch, removed }, 'freed disk');
    return { summary: \`removed \${removed} file(s) from \${scratch}\`, data: { removed } };
  }),
];
`,
    'test/disk-filling.test.ts': `import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expectTimeline, FakeFleet, startTestEnvironment, type MedicTestEnvironment } from 'medic/testkit';

// The playbook on a real Temporal test server whose clock the kit controls: the 10-minute approval
// timeout passes in milliseconds. Shipped activities are faked below the activity boundary; yours
// runs for real (on a temporary folder) unless a script says otherwise.

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'scratch-'));
const fleet = new FakeFleet().script('verify', ['unhealthy']).script('verify', ['healthy'], { target: 'host-2' });
let env: MedicTestEnvironment;

describe('disk-filling', () => {
  before(async () => {
    env = await startTestEnvironment({
      fleet,
      extension: { workflows: here('../src/workflows.ts'), activities: here('../src/activities.ts') },
      targets: { 'host-1': { disk: { scratch } }, 'host-2': { disk: { scratch } } },
    });
  });
  after(async () => {
    await env?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('frees the disk with its own activity, then escalates when nobody approves the restart within 10 minutes', async () => {
    writeFileSync(join(scratch, 'old.log'), 'x'.repeat(1024));
    const incident = await env.openIncident({ playbook: 'disk-filling', target: 'host-1', params: { olderThanMinutes: 0 } });
    assert.equal(await incident.waitForApproval(), 'restart host-1?');
    assert.deepEqual(readdirSync(scratch), [], 'free-disk ran for real');

    const started = Date.now();
    const result = await incident.result(); // skips the 10-minute approval, the ack wait and the hold
    const wallMs = Date.now() - started;
    expectTimeline(result).toHaveOutcome('escalated');
    const [asked, timedOut] = expectTimeline(result).toIncludeInOrder('approval-requested', 'approval-timed-out', ['escalated', 'nobody approved']);
    assert.equal(Date.parse(timedOut!.at) - Date.parse(asked!.at) >= 10 * 60_000, true, 'it waited the full 10 minutes, on the virtual clock');
    assert.ok(wallMs < 30_000, \`a day of virtual time in \${wallMs} ms of wall time\`);
    assert.deepEqual(fleet.callsTo('restart', 'host-1'), [], 'nothing restarted without an approval');
  });

  it('recovers without asking when the freed space is enough', async () => {
    const incident = await env.openIncident({ playbook: 'disk-filling', target: 'host-2' });
    expectTimeline(await incident.result()).toHaveOutcome('recovered');
    assert.deepEqual(fleet.callsTo('restart', 'host-2'), []);
  });
});
`,
    'medic.yaml': `# medic's configuration for this repository's playbooks (medic's README, "Configuration").
# \`npm run worker\` builds src/ and runs \`medic worker\` with this file.
extension:
  workflows: ./dist/workflows.js
  activities: ./dist/activities.js

routes:
  - name: disk-filling
    match: { alertname: DiskFilling }
    playbook: disk-filling
    targetFromLabel: instance
    params:
      approvalTimeout: 10 minutes

targets:
  host-1:
    disk: { scratch: /var/tmp/scratch }
    verify:
      checks:
        - { type: tcp, host: 127.0.0.1, port: 22 }
    process: { manager: systemd, unit: app.service }

escalation:
  channels:
    - { type: log }
`,
    'README.md': `# ${name}

Playbooks for [medic](https://github.com/) kept in their own repository, made by \`medic init\`.

| file | what it is |
| --- | --- |
| \`src/workflows.ts\` | the playbooks (\`definePlaybook\`) and the declarations of your own activities (\`defineActivity\`): workflow code, deterministic |
| \`src/activities.ts\` | the implementations of your activities (\`implement\`) and the target sections they read |
| \`test/*.test.ts\` | tests with medic's test kit: a real Temporal test server whose clock skips ahead |
| \`medic.yaml\` | medic's configuration: \`extension\` names the two modules (compiled), routes and targets use them |

\`\`\`sh
npm install
npm test               # the playbook on a time-skipping Temporal server, in seconds
npm run check-config   # build, then check medic.yaml and print what an alert would act on
npm run replay         # before a deploy: replay the last 50 real incidents on this code
npm run worker         # build and serve the playbooks (TEMPORAL_ADDRESS etc. as for medic)
\`\`\`

Workflow code must be deterministic: no I/O, no \`Date.now()\`, no randomness in \`src/workflows.ts\`.
A change to a playbook that running incidents use can break them: \`npm run replay\` fails and
names the incident if it would; guard the change with \`patched()\` or keep the old path until
those incidents end.
`,
  };
}
