import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every name each entry point exports, values and types, read by the compiler from the sources
// the exports map names: a re-export lost in a move, an internal helper let out, or test code on
// a production entry fails here.
const expected: Record<string, string[]> = {
  '.': ['ClientConfigError', 'ResolveProjectOptions', 'closeAll', 'resolveProjectId'],
  './bigquery': [
    'BigQueryParamType',
    'DeleteMissingOptions',
    'FailedRow',
    'GetBigQueryOptions',
    'InsertOptions',
    'InsertResult',
    'InsertRowsOptions',
    'MergeOptions',
    'MergeRowsOptions',
    'MergeRowsResult',
    'QueryOptions',
    'SqlIdentifier',
    'SqlQuery',
    'TableName',
    'TypedValue',
    'column',
    'getBigQuery',
    'ident',
    'insertRows',
    'isSqlQuery',
    'mergeRows',
    'query',
    'sql',
    'typed',
  ],
  './sql': [
    'BigQueryParamType',
    'SqlIdentifier',
    'SqlQuery',
    'TypedValue',
    'column',
    'ident',
    'isSqlQuery',
    'sql',
    'typed',
    'unsafeRawSql',
  ],
  './dead-letter': ['DeadLetterKind', 'deadLetterAttributes', 'describeIssues'],
  './pubsub': [
    'EnsureSubscriptionOptions',
    'GetPubSubOptions',
    'MessageContext',
    'MessageHandler',
    'MessageSchema',
    'PublishMessageOptions',
    'PublishOptions',
    'SettledMessage',
    'SubscribeOptions',
    'Subscriber',
    'SubscriberStats',
    'TypedTopic',
    'createTypedTopic',
    'ensureSubscription',
    'ensureTopic',
    'getPubSub',
    'publish',
    'subscribe',
  ],
  './firestore': ['GetFirestoreOptions', 'TransactionOptions', 'getFirestore', 'runTransaction'],
  './testing': [
    'BigQueryErrorAnswerOptions',
    'FakeBigQuery',
    'FakeBigQueryAnswer',
    'FakeBigQueryRequest',
    'FakeBigQueryResult',
    'bigQueryErrorAnswer',
    'startFakeBigQuery',
  ],
};

describe('entry points', () => {
  it('export exactly the documented names', () => {
    const packageJson = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { exports: Record<string, string | Record<string, unknown>> };
    const entries = Object.entries(packageJson.exports).flatMap(([subpath, target]) => {
      const source = typeof target === 'object' ? target['@pipewell/source'] : undefined;
      return typeof source === 'string'
        ? [[subpath, fileURLToPath(new URL(`../${source}`, import.meta.url))] as const]
        : [];
    });
    const program = ts.createProgram(
      entries.map(([, file]) => file),
      {
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        customConditions: ['@pipewell/source'],
        skipLibCheck: true,
        noEmit: true,
      },
    );
    const checker = program.getTypeChecker();
    const actual = Object.fromEntries(
      entries.map(([subpath, file]) => {
        const source = program.getSourceFile(file);
        const module = source && checker.getSymbolAtLocation(source);
        const names = module ? checker.getExportsOfModule(module).map((s) => s.name) : [];
        return [subpath, names.sort()];
      }),
    );
    expect(actual).toEqual(expected);
  }, 60_000);
});
