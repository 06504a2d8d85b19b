import { IdempotencyStrategy, Storage, type StorageOptions } from '@google-cloud/storage';
import { type Logger, PipewellOptionsError } from '@pipewell/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { objectStoreContract } from './contract.js';
import { type FakeGcs, startFakeGcs } from './fake-gcs.js';
import { GcsObjectStoreError, openGcsObjectStore } from './gcs-objects.js';

let fake: FakeGcs;
let paged: FakeGcs;
let count = 0;

// Retries wait at most what is left of a 0.1 s budget (the client's jitter alone is up to 1 s);
// maxRetryDelay stays 1 s because File.save refuses anything under its 1 s async-retry minimum.
const quickRetries = { retryDelayMultiplier: 0.001, maxRetryDelay: 1, totalTimeout: 0.1 } as const;

function storageFor(url: string, options: StorageOptions = {}): Storage {
  return new Storage({
    projectId: 'demo-project',
    apiEndpoint: url,
    ...options,
    retryOptions: {
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      ...quickRetries,
      ...options.retryOptions,
    },
  });
}

function unique(): string {
  count += 1;
  return `t${count}`;
}

beforeAll(async () => {
  fake = await startFakeGcs({ buckets: ['pipewell-test'] });
  paged = await startFakeGcs({ buckets: [], pageSize: 2 });
});
afterAll(async () => {
  await fake.close();
  await paged.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  paged.requests.length = 0;
});

objectStoreContract('Cloud Storage, under a prefix', async () =>
  openGcsObjectStore({
    bucket: 'pipewell-test',
    prefix: `contract/${unique()}/`,
    storage: storageFor(fake.url),
  }),
);

objectStoreContract('Cloud Storage, whole bucket, list pages of 2', async () => {
  const bucket = `pipewell-${unique()}`;
  paged.objects(bucket);
  return openGcsObjectStore({ bucket, storage: storageFor(paged.url) });
});

describe('openGcsObjectStore', () => {
  const open = (prefix = `${unique()}/`, storage = storageFor(fake.url), logger?: Logger) =>
    openGcsObjectStore({
      bucket: 'pipewell-test',
      prefix,
      storage,
      ...(logger === undefined ? {} : { logger }),
    });

  it('puts with one multipart request, never resumable, keeping the content type', async () => {
    const objects = await open('in/');
    await objects.put('raw/a.json', '{"a":1}', { contentType: 'application/json' });
    const uploads = fake.requests.filter((request) => request.kind === 'upload');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.query.uploadType).toBe('multipart');
    expect(uploads[0]?.path).toBe('/upload/storage/v1/b/pipewell-test/o');
    const stored = fake.objects('pipewell-test').get('in/raw/a.json');
    expect(stored?.contentType).toBe('application/json');
    expect(stored?.body.toString('utf8')).toBe('{"a":1}');
  });

  it('lists every page: five objects in pages of two take three calls', async () => {
    paged.objects('pipewell-pages');
    const objects = await openGcsObjectStore({
      bucket: 'pipewell-pages',
      prefix: 'p/',
      storage: storageFor(paged.url),
    });
    const paths = ['e.json', 'a.json', 'd/1.json', 'b.json', 'c.json'];
    for (const path of paths) await objects.put(path, path);
    paged.requests.length = 0;
    expect(await objects.list('')).toEqual([...paths].sort());
    const lists = paged.requests.filter((request) => request.kind === 'list');
    expect(lists.map((request) => request.query.prefix)).toEqual(['p/', 'p/', 'p/']);
    expect(lists[0]?.query.pageToken).toBeUndefined();
    expect(lists[1]?.query.pageToken).toBeDefined();
    expect(lists[2]?.query.pageToken).not.toBe(lists[1]?.query.pageToken);
  });

  // On Node 24, @google-cloud/storage 7 (teeny-request 9) pipes the retried download into a
  // stream it already destroyed: an unhandled ERR_STREAM_UNABLE_TO_PIPE rejection inside the
  // library, which would end a Node 24 process. Not ours to fix in the library; until the adapter
  // retries downloads itself (with @pipewell/retry) the case is shown on Node 20 and 22 only.
  const libraryRetriesDownloads = Number(process.versions.node.split('.')[0]) < 24;

  it.each([
    ...(libraryRetriesDownloads ? ([['download', 'get', 503]] as const) : []),
    ['metadata', 'exists', 503],
    ['list', 'list', 503],
    ['upload', 'put', 503],
    ['upload', 'put', 'reset'],
  ] as const)(
    'retries %s (%s) after a %s through the client, then succeeds',
    async (kind, call, failure) => {
      const objects = await open('retry/');
      await objects.put('a.json', 'before');
      fake.requests.length = 0;
      fake.script(kind, failure === 'reset' ? 'reset' : { status: 503, message: 'Backend Error' });
      const result =
        call === 'get'
          ? Buffer.from((await objects.get('a.json')) ?? []).toString('utf8')
          : call === 'exists'
            ? await objects.exists('a.json')
            : call === 'list'
              ? await objects.list('')
              : await objects.put('a.json', 'after');
      expect(result).toEqual(
        { get: 'before', exists: true, list: ['a.json'], put: undefined }[call],
      );
      expect(fake.requests.filter((request) => request.kind === kind)).toHaveLength(2);
      expect(await objects.getText('a.json')).toBe(call === 'put' ? 'after' : 'before');
    },
  );

  it('leaves nothing behind when an upload fails: neither a new object nor a torn old one', async () => {
    const warnings: object[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (fields) => warnings.push(fields),
      error: () => {},
    };
    // The client's default policy: an upload without a generation precondition is not retried.
    const strict = storageFor(fake.url, {
      retryOptions: { idempotencyStrategy: IdempotencyStrategy.RetryConditional },
    });
    const objects = await open('fail/', strict, logger);
    await objects.put('kept.json', 'old');
    fake.script('upload', 'reset', { status: 503 });
    await expect(objects.put('new.json', 'x'.repeat(1 << 20))).rejects.toThrow(GcsObjectStoreError);
    const error = await objects.put('kept.json', 'new').catch((e: unknown) => e);
    expect(GcsObjectStoreError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'put', path: 'kept.json', status: 503 });
    expect((error as GcsObjectStoreError).permanent).toBe(false);
    expect((error as Error).message).toContain('"kept.json"');
    expect(await objects.exists('new.json')).toBe(false);
    expect(await objects.getText('kept.json')).toBe('old');
    expect(await objects.list('')).toEqual(['kept.json']);
    expect(warnings).toContainEqual(
      expect.objectContaining({ bucket: 'pipewell-test', path: 'kept.json', status: 503 }),
    );
  });

  it('answers undefined only for a 404: a 403 is an error, permanent, naming the path', async () => {
    const objects = await open();
    fake.script('download', { status: 403, message: 'Access denied.' });
    const error = await objects.get('raw/secret.json').catch((e: unknown) => e);
    expect(GcsObjectStoreError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'get', status: 403, permanent: true });
    expect((error as Error).message).toContain('"raw/secret.json"');
    expect((error as Error).message).toContain('"pipewell-test"');
  });

  it('names the bucket when it does not exist', async () => {
    const objects = await openGcsObjectStore({
      bucket: 'no-such-bucket',
      storage: storageFor(fake.url),
    });
    const error = await objects.list('raw/').catch((e: unknown) => e);
    expect(error).toMatchObject({ bucket: 'no-such-bucket', status: 404, permanent: true });
    expect((error as Error).message).toContain('"no-such-bucket"');
  });

  it('honours STORAGE_EMULATOR_HOST when no client is given', async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = fake.url;
    try {
      const objects = await openGcsObjectStore({ bucket: 'pipewell-test', prefix: 'env/' });
      await objects.put('a.json', 'via env', { contentType: 'application/json' });
      expect(await objects.getText('a.json')).toBe('via env');
      expect(await objects.exists('a.json')).toBe(true);
      expect(await objects.list('')).toEqual(['a.json']);
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
    }
    expect(fake.objects('pipewell-test').get('env/a.json')?.body.toString()).toBe('via env');
    expect(new Set(fake.requests.map((request) => request.kind))).toEqual(
      new Set(['upload', 'download', 'metadata', 'list']),
    );
  });

  it('uses apiEndpoint for its own client, which retries uploads', async () => {
    const objects = await openGcsObjectStore({
      bucket: 'pipewell-test',
      prefix: 'endpoint/',
      apiEndpoint: fake.url,
    });
    fake.script('upload', { status: 503 });
    await objects.put('a.json', 'via apiEndpoint');
    expect(fake.requests.filter((request) => request.kind === 'upload')).toHaveLength(2);
    expect(await objects.getText('a.json')).toBe('via apiEndpoint');
    expect(fake.requests.map((request) => request.path)).toContain(
      '/storage/v1/b/pipewell-test/o/endpoint%2Fa.json',
    );
  });

  it.each([
    ['bucket', { bucket: 'Bad_Bucket!' }],
    ['bucket', { bucket: '' }],
    ['prefix', { bucket: 'pipewell-test', prefix: 'no-slash' }],
    ['prefix', { bucket: 'pipewell-test', prefix: '../up/' }],
    ['prefix', { bucket: 'pipewell-test', prefix: '/abs/' }],
  ])('refuses a bad %s, naming it', async (option, options) => {
    const error = await openGcsObjectStore({ ...options, apiEndpoint: fake.url }).catch(
      (e: unknown) => e,
    );
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toContain(JSON.stringify(Object.values(options).at(-1)));
  });
});
