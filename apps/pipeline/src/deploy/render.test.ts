import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { allTables } from '../catalog/index.js';
import { engineSubscriptions } from '../orchestration/index.js';
import { deployPlan } from './plan.js';
import { renderPlanGcloud, shellWord } from './render-gcloud.js';
import { renderPlanYaml } from './render-yaml.js';
import { toYaml } from './yaml.js';

const plan = await deployPlan({
  project: 'demo-deploy',
  serviceUrl: (service) => `https://${service}.example.test`,
});

describe('toYaml', () => {
  it('writes nested objects and lists as block YAML', () => {
    expect(
      toYaml({
        name: 'pipeline-raw',
        retry: { min: 0.1, max: 10 },
        tags: ['a', 'b'],
        items: [
          { name: 'x', on: true },
          { name: 'z', list: [] },
        ],
        nested: [['a', 'b'], 'c'],
        empty: {},
        none: null,
        skipped: undefined,
      }),
    ).toBe(
      [
        'name: pipeline-raw',
        'retry:',
        '  min: 0.1',
        '  max: 10',
        'tags:',
        '  - a',
        '  - b',
        'items:',
        '  - name: x',
        '    "on": true',
        '  - name: z',
        '    list: []',
        'nested:',
        '  - - a',
        '    - b',
        '  - c',
        'empty: {}',
        'none: null',
        '',
      ].join('\n'),
    );
  });

  it('quotes the strings YAML would read as something else', () => {
    expect(
      toYaml({
        cron: '*/15 * * * *',
        date: '2026-01-24',
        number: '5',
        yes: 'yes',
        colon: 'a: b',
        hash: 'a #b',
        dash: '-x',
        empty: '',
        url: 'https://x.test/pubsub/a',
        quote: 'say "hi"',
      }),
    ).toBe(
      [
        'cron: "*/15 * * * *"',
        'date: "2026-01-24"',
        'number: "5"',
        '"yes": "yes"',
        'colon: "a: b"',
        'hash: "a #b"',
        'dash: "-x"',
        'empty: ""',
        'url: https://x.test/pubsub/a',
        'quote: "say \\"hi\\""',
        '',
      ].join('\n'),
    );
  });

  it('writes a top-level scalar or empty list on one line', () => {
    expect(toYaml([])).toBe('[]\n');
    expect(toYaml('x y')).toBe('"x y"\n');
  });
});

describe('renderPlanYaml', () => {
  const yaml = renderPlanYaml(plan);

  it('shows a subscription with its push endpoint, retry policy and dead-letter settings', () => {
    expect(yaml).toContain(
      [
        '  - name: pipeline-orchestrator',
        '    topic: phase-complete',
        '    kind: engine',
        '    ackDeadlineSeconds: 600',
        '    retryPolicy:',
        '      minimumBackoffSeconds: 0.1',
        '      maximumBackoffSeconds: 10',
        '    deadLetterTopic: pipeline-orchestrator-dead-letter',
        '    maxDeliveryAttempts: 5',
        '    push:',
        '      service: pipeline-orchestrator',
        '      route: pubsub/pipeline-orchestrator',
        '      endpoint: https://pipeline-orchestrator.example.test/pubsub/pipeline-orchestrator',
      ].join('\n'),
    );
  });

  it('lists every section, every engine subscription and every table with its partition', () => {
    for (const section of [
      'topics',
      'subscriptions',
      'services',
      'schedulerJobs',
      'collections',
      'datasets',
      'buckets',
    ]) {
      expect(yaml).toMatch(new RegExp(`^${section}:`, 'm'));
    }
    expect(yaml).toMatch(/^schedulerJobs: \[\]$/m);
    for (const name of Object.values(engineSubscriptions)) {
      expect(yaml).toContain(`  - name: ${name}\n`);
      expect(yaml).toContain(`    deadLetterTopic: ${name}-dead-letter\n`);
    }
    for (const table of allTables) {
      const at = yaml.indexOf(`\n      - name: ${table.name}\n`);
      expect(at, table.name).toBeGreaterThan(0);
      const next = yaml.indexOf('\n      - name: ', at + 1);
      const entry = yaml.slice(at, next === -1 ? undefined : next);
      if (table.partitionBy !== undefined)
        expect(entry, table.name).toContain(`partitionBy: ${table.partitionBy}\n`);
      else expect(entry, table.name).not.toContain('partitionBy');
    }
    expect(yaml).toContain('    ttlField: expireAt\n');
    expect(yaml).toContain('        matchesPrefix: raw/\n        ageDays: 30\n');
  });
});

describe('renderPlanGcloud', () => {
  const script = renderPlanGcloud(plan);
  const lines = script.split('\n');

  it('guards every topic create with a describe', () => {
    for (const topic of plan.topics) {
      expect(lines).toContain(
        `gcloud pubsub topics describe ${topic.name} --project="$PROJECT" >/dev/null 2>&1 || gcloud pubsub topics create ${topic.name} --project="$PROJECT"`,
      );
    }
  });

  it('creates every engine subscription with its push endpoint, retry policy, dead-letter topic and 5 deliveries', () => {
    expect(script).toContain(
      [
        'if gcloud pubsub subscriptions describe pipeline-raw --project="$PROJECT" >/dev/null 2>&1; then',
        '  gcloud pubsub subscriptions update pipeline-raw --project="$PROJECT" --ack-deadline=600 --min-retry-delay=0.1s --max-retry-delay=10s --dead-letter-topic=pipeline-raw-dead-letter --max-delivery-attempts=5 --push-endpoint=https://pipeline-raw.example.test/pubsub/pipeline-raw',
        'else',
        '  gcloud pubsub subscriptions create pipeline-raw --project="$PROJECT" --topic=scraper-complete --ack-deadline=600 --min-retry-delay=0.1s --max-retry-delay=10s --dead-letter-topic=pipeline-raw-dead-letter --max-delivery-attempts=5 --push-endpoint=https://pipeline-raw.example.test/pubsub/pipeline-raw',
        'fi',
        'gcloud pubsub topics add-iam-policy-binding pipeline-raw-dead-letter --project="$PROJECT" --member="$PUBSUB_AGENT" --role=roles/pubsub.publisher >/dev/null',
      ].join('\n'),
    );
    for (const name of Object.values(engineSubscriptions)) {
      const create = lines.find((line) =>
        line.startsWith(`  gcloud pubsub subscriptions create ${name} `),
      );
      expect(create, name).toContain(
        `--dead-letter-topic=${name}-dead-letter --max-delivery-attempts=5`,
      );
      expect(create, name).toContain(`--push-endpoint=https://`);
      // The dead-letter topic has a reader.
      expect(script).toContain(
        `subscriptions create ${name}-dead-letter-reader --project="$PROJECT" --topic=${name}-dead-letter --ack-deadline=60\n`,
      );
    }
  });

  it('makes every table with its partition field, clustering and schema', () => {
    for (const table of allTables) {
      const line = lines.find(
        (l) => l.includes(` mk --table `) && l.includes(`demo-deploy:${table.name} `),
      );
      expect(line, table.name).toBeDefined();
      expect(line).toMatch(
        new RegExp(
          `^bq --project_id="\\$PROJECT" show demo-deploy:${table.name} >/dev/null 2>&1 \\|\\| `,
        ),
      );
      if (table.partitionBy !== undefined)
        expect(line, table.name).toContain(`--time_partitioning_field=${table.partitionBy} `);
      if (table.clusterBy.length > 0)
        expect(line, table.name).toContain(`--clustering_fields=${table.clusterBy.join(',')} `);
      const first = table.columnNames[0] ?? '';
      expect(line, table.name).toContain(
        `${first}:${table.columns[first as keyof typeof table.columns]}`,
      );
    }
  });

  it('sets the TTL policy and the bucket lifecycle', () => {
    expect(lines).toContain(
      'gcloud firestore fields ttls update expireAt --project="$PROJECT" --collection-group=heartbeats --enable-ttl --async',
    );
    expect(script).toContain(
      '{"rule":[{"action":{"type":"Delete"},"condition":{"age":30,"matchesPrefix":["raw/"]}}]}\nJSON\ngcloud storage buckets update gs://demo-deploy-pipewell --project="$PROJECT" --lifecycle-file="$LIFECYCLE"',
    );
  });

  it('is a script bash can parse', () => {
    const parsed = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
  });

  it('quotes what the shell would split', () => {
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('plain-word_1.2')).toBe('plain-word_1.2');
  });
});
