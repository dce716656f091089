import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@tskube/component-base';
import { isStatusError, type FieldError, type StatusError } from '@tskube/api-types';
import type { StoredObject } from '../cache/types.js';
import { createMemoryStorage } from '../storage/memory.js';
import { StorageError, type Storage, type StorageErrorCode } from '../storage/types.js';
import { interpretCreateError, interpretDeleteError, interpretGetError, interpretUpdateError } from './errors.js';
import { NAME_ALPHABET } from './names.js';
import { createStore, EXPIRED_CONTINUE_MESSAGE } from './store.js';
import type { Store, Strategy } from './types.js';

/** A small resource exercising every strategy hook, so the store is tested apart from real kinds. */
interface Widget extends StoredObject {
  spec?: { color?: string; size?: number; grace?: number };
  status?: { ready?: boolean; note?: string };
}

const COLORS = ['blue', 'red', 'green'];

function validateWidget(w: Widget): FieldError[] {
  const errs: FieldError[] = [];
  const name = w.metadata.name ?? '';
  if (name && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 label` });
  }
  if (w.spec?.color !== undefined && !COLORS.includes(w.spec.color)) {
    errs.push({ type: 'FieldValueNotSupported', field: 'spec.color', message: `Unsupported value: "${w.spec.color}"` });
  }
  if ((w.spec?.size ?? 0) < 0) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.size', message: `Invalid value: ${w.spec?.size}: must be >= 0` });
  }
  return errs;
}

const widgetStrategy: Strategy<Widget> = {
  kind: 'Widget',
  resource: 'widgets',
  namespaced: true,
  hasSpec: true,
  allowCreateOnUpdate: false,
  default: (w) => {
    w.spec ??= {};
    w.spec.color ??= 'blue';
    return w;
  },
  prepareForCreate: (w) => {
    w.status = { ready: false };
  },
  prepareForUpdate: (w, old) => {
    w.status = old.status;
  },
  validate: validateWidget,
  validateUpdate: (w) => validateWidget(w),
  checkGracefulDelete: (w, options) => options.gracePeriodSeconds ?? w.spec?.grace,
  status: {
    prepareForUpdate: (w, old) => {
      w.spec = old.spec;
    },
    validateUpdate: () => [],
  },
  fields: (w) => ({ 'metadata.name': w.metadata.name ?? '', 'metadata.namespace': w.metadata.namespace ?? '' }),
};

const clusterStrategy: Strategy<Widget> = { ...widgetStrategy, kind: 'Gadget', resource: 'gadgets', namespaced: false };

const widget = (name: string, extra: Partial<Widget> = {}): Widget => ({ metadata: { name }, ...extra });

async function caught(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error('expected a StatusError, got success');
}

const NOW = Date.parse('2025-03-04T05:06:07.890Z');

let stores: Store<Widget>[] = [];
function setup(options: { cache?: boolean; strategy?: Strategy<Widget>; storage?: Storage } = {}) {
  const storage = options.storage ?? createMemoryStorage();
  const store = createStore<Widget>({
    storage,
    strategy: options.strategy ?? widgetStrategy,
    cache: options.cache ?? false,
    clock: { now: () => NOW },
  });
  stores.push(store);
  return { storage, store };
}

afterEach(() => {
  for (const s of stores) s.stop();
  stores = [];
});

describe('create and get', () => {
  it('manages metadata the server owns and stores the object without its resourceVersion', async () => {
    const { storage, store } = setup();
    const created = await store.create('ns1', widget('a', { metadata: { name: 'a', uid: 'client-uid', resourceVersion: '77' } }));
    expect(created).toMatchObject({
      apiVersion: 'v1',
      kind: 'Widget',
      metadata: { name: 'a', namespace: 'ns1', generation: 1, creationTimestamp: '2025-03-04T05:06:07Z' },
      spec: { color: 'blue' },
      status: { ready: false },
    });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const kv = await storage.get('/registry/widgets/ns1/a');
    expect(created.metadata.resourceVersion).toBe(String(kv?.modRevision));
    expect(JSON.parse(kv!.value).metadata.resourceVersion).toBeUndefined();
    expect(await store.get('ns1', 'a')).toEqual(created);
  });

  it('keys a cluster-scoped object by name alone and drops a namespace from the body', async () => {
    const { storage, store } = setup({ strategy: clusterStrategy });
    const created = await store.create(undefined, { metadata: { name: 'g', namespace: 'ignored' } });
    expect(created.metadata.namespace).toBeUndefined();
    expect(await storage.get('/registry/gadgets/g')).toBeDefined();
  });

  it('generates a name from generateName with five characters of the upstream alphabet', async () => {
    const { store } = setup();
    const created = await store.create('ns1', { metadata: { generateName: 'web-' } });
    const name = created.metadata.name!;
    expect(name.startsWith('web-')).toBe(true);
    expect(name).toHaveLength('web-'.length + 5);
    for (const c of name.slice(4)) expect(NAME_ALPHABET).toContain(c);
    expect((await store.get('ns1', name)).metadata.uid).toBe(created.metadata.uid);
  });

  it.each([
    ['a duplicate name', 'ns1', widget('a'), 'AlreadyExists', 409, 'widgets "a" already exists'],
    [
      'a namespace that contradicts the URL',
      'ns1',
      { metadata: { name: 'b', namespace: 'other' } },
      'BadRequest',
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    ],
    [
      'no name and no generateName',
      'ns1',
      { metadata: {} },
      'Invalid',
      422,
      'Widget "" is invalid: metadata.name: Required value: name or generateName is required',
    ],
  ] as const)('refuses %s', async (_, ns, obj, reason, code, message) => {
    const { store } = setup();
    await store.create('ns1', widget('a'));
    const err = await caught(store.create(ns, structuredClone(obj) as Widget));
    expect(err).toMatchObject({ reason, code, message });
  });

  it('reports every invalid field in one Invalid error and writes nothing', async () => {
    const { storage, store } = setup();
    const err = await caught(store.create('ns1', { metadata: { name: 'Bad_Name' }, spec: { color: 'pink', size: -1 } }));
    expect(err.reason).toBe('Invalid');
    expect(err.details?.causes?.map((c) => c.field)).toEqual(['metadata.name', 'spec.color', 'spec.size']);
    expect((await storage.list('/registry/')).items).toEqual([]);
    expect((await store.list('ns1')).items).toEqual([]);
  });

  it('writes nothing on a dry run', async () => {
    const { storage, store } = setup();
    const out = await store.create('ns1', widget('a'), { dryRun: true });
    expect(out.metadata.name).toBe('a');
    expect(await storage.get('/registry/widgets/ns1/a')).toBeUndefined();
  });

  it('fails a dry run whose name is taken with AlreadyExists, as a real create would', async () => {
    const { store } = setup();
    await store.create('ns1', widget('a'));
    const err = await caught(store.create('ns1', widget('a'), { dryRun: true }));
    expect(err.reason).toBe('AlreadyExists');
    expect(err.message).toBe('widgets "a" already exists');
  });

  it('does not alter the caller’s object', async () => {
    const { store } = setup();
    const input = widget('a');
    await store.create('ns1', input);
    expect(input).toEqual(widget('a'));
  });

  it('names the missing object in NotFound', async () => {
    const { store } = setup();
    expect(await caught(store.get('ns1', 'nope'))).toMatchObject({ reason: 'NotFound', code: 404, message: 'widgets "nope" not found' });
  });
});

describe('update', () => {
  it('fails with 409 Conflict when the resourceVersion precondition is stale', async () => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    await store.update('ns1', 'a', { ...v1, spec: { color: 'red' } });
    const err = await caught(store.update('ns1', 'a', { ...v1, spec: { color: 'green' } }));
    expect(err).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message: 'Operation cannot be fulfilled on widgets "a": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect((await store.get('ns1', 'a')).spec?.color).toBe('red');
  });

  it('lets exactly one of two concurrent updates with the same resourceVersion win', async () => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    const results = await Promise.allSettled([
      store.update('ns1', 'a', { ...v1, spec: { color: 'red' } }),
      store.update('ns1', 'a', { ...v1, spec: { color: 'green' } }),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ reason: 'Conflict', code: 409 });
  });

  it('retries unconditional read-modify-write updates on compare-and-swap conflicts only', async () => {
    const { store } = setup();
    await store.create('ns1', widget('a', { spec: { size: 0 } }));
    await Promise.all(
      Array.from({ length: 10 }, () =>
        store.guaranteedUpdate('ns1', 'a', (w) => ({ ...w, spec: { ...w.spec, size: (w.spec?.size ?? 0) + 1 } })),
      ),
    );
    expect((await store.get('ns1', 'a')).spec?.size).toBe(10);
  });

  it.each([
    ['a label change keeps the generation', (w: Widget) => ({ ...w, metadata: { ...w.metadata, labels: { a: 'b' } } }), undefined, 1],
    ['a spec change bumps it', (w: Widget) => ({ ...w, spec: { color: 'red' } }), undefined, 2],
    ['a status update keeps it', (w: Widget) => ({ ...w, status: { ready: true } }), 'status' as const, 1],
  ])('%s', async (_, change, subresource, generation) => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    const out = await store.update('ns1', 'a', change(v1), { subresource });
    expect(out.metadata.generation).toBe(generation);
  });

  it('keeps status on a main update and spec on a status update', async () => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    const main = await store.update('ns1', 'a', { ...v1, metadata: { ...v1.metadata, resourceVersion: '' }, spec: { color: 'red' }, status: { ready: true } });
    expect(main).toMatchObject({ spec: { color: 'red' }, status: { ready: false } });
    const status = await store.update('ns1', 'a', { ...main, spec: { color: 'green' }, status: { ready: true } }, { subresource: 'status' });
    expect(status).toMatchObject({ spec: { color: 'red' }, status: { ready: true } });
  });

  it('does not write (nor bump the resourceVersion) when nothing changes', async () => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    const same = await store.update('ns1', 'a', { ...v1 });
    expect(same.metadata.resourceVersion).toBe(v1.metadata.resourceVersion);
  });

  it('keeps uid and creationTimestamp, and rejects a changed uid as immutable', async () => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    const out = await store.update('ns1', 'a', { ...v1, metadata: { name: 'a', labels: { x: 'y' } } });
    expect(out.metadata).toMatchObject({ uid: v1.metadata.uid, creationTimestamp: v1.metadata.creationTimestamp });
    const err = await caught(store.update('ns1', 'a', { ...v1, metadata: { name: 'a', uid: 'other' } }));
    expect(err.reason).toBe('Invalid');
    expect(err.details?.causes?.[0]?.field).toBe('metadata.uid');
  });

  it.each([
    ['a missing object', 'nope', widget('nope'), 'NotFound'],
    ['a body whose name differs from the URL', 'a', widget('b'), 'BadRequest'],
  ])('refuses %s', async (_, name, body, reason) => {
    const { store } = setup();
    await store.create('ns1', widget('a'));
    expect((await caught(store.update('ns1', name, body))).reason).toBe(reason);
  });

  it('refuses a status update for a resource without a status subresource', async () => {
    const { store } = setup({ strategy: { ...widgetStrategy, status: undefined } });
    const v1 = await store.create('ns1', widget('a'));
    expect((await caught(store.update('ns1', 'a', v1, { subresource: 'status' }))).reason).toBe('NotFound');
  });
});

describe('list', () => {
  async function seed(store: Store<Widget>) {
    const specs: [string, string, Record<string, string>][] = [
      ['ns1', 'a', { app: 'web', tier: 'fe' }],
      ['ns1', 'b', { app: 'web', tier: 'be' }],
      ['ns1', 'c', { app: 'db' }],
      ['ns2', 'd', { app: 'web' }],
      ['ns2', 'e', {}],
    ];
    for (const [ns, name, labels] of specs) await store.create(ns, { metadata: { name, labels } });
  }

  it.each([
    ['one namespace', 'ns1', {}, ['a', 'b', 'c']],
    ['every namespace', undefined, {}, ['a', 'b', 'c', 'd', 'e']],
    ['a label selector', undefined, { labelSelector: 'app=web' }, ['a', 'b', 'd']],
    ['a set-based label selector', undefined, { labelSelector: 'app in (web,db),tier!=fe' }, ['b', 'c', 'd']],
    ['a label-absent selector', 'ns2', { labelSelector: '!app' }, ['e']],
    ['a field selector', undefined, { fieldSelector: 'metadata.name=c' }, ['c']],
    ['a negated field selector', 'ns2', { fieldSelector: 'metadata.name!=d' }, ['e']],
    ['both selectors', undefined, { labelSelector: 'app=web', fieldSelector: 'metadata.namespace=ns2' }, ['d']],
  ])('filters by %s', async (_, ns, options, names) => {
    const { store } = setup();
    await seed(store);
    const list = await store.list(ns, options);
    expect(list.kind).toBe('WidgetList');
    expect(list.items.map((w) => w.metadata.name)).toEqual(names);
  });

  it.each([
    ['a bad label selector', { labelSelector: 'app in (' }],
    ['an unsupported field', { fieldSelector: 'spec.color=red' }],
  ])('answers %s with BadRequest', async (_, options) => {
    const { store } = setup();
    expect((await caught(store.list('ns1', options))).reason).toBe('BadRequest');
  });

  it.each([
    [1, undefined],
    [2, undefined],
    [3, undefined],
    [7, undefined],
    [1, 'app=web'],
    [2, 'app=web'],
  ])('pages with limit %i (selector %s) reach every item exactly once', async (limit, labelSelector) => {
    const { store } = setup();
    await seed(store);
    const all = (await store.list(undefined, { labelSelector })).items.map((w) => w.metadata.name);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.list(undefined, { limit, labelSelector, continue: token });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((w) => w.metadata.name!));
      token = page.metadata.continue;
      // Objects created between pages do not show up: every page reads at the first page's revision.
      if (pages++ === 0) await store.create('ns1', { metadata: { name: 'zz-late', labels: { app: 'web' } } });
    } while (token);
    expect(seen).toEqual(all);
  });

  it('answers a continue token whose revision was compacted with 410 Expired', async () => {
    const { storage, store } = setup();
    await seed(store);
    const first = await store.list(undefined, { limit: 2 });
    expect(first.metadata.continue).toBeDefined();
    await store.create('ns1', widget('later'));
    await storage.compact(await storage.currentRevision());
    const err = await caught(store.list(undefined, { limit: 2, continue: first.metadata.continue }));
    expect(err).toMatchObject({ reason: 'Expired', code: 410, message: EXPIRED_CONTINUE_MESSAGE });
  });

  it('rejects a forged continue token', async () => {
    const { store } = setup();
    expect((await caught(store.list(undefined, { continue: 'not-a-token' }))).reason).toBe('BadRequest');
  });

  it('serves resourceVersion 0 from the watch cache', async () => {
    const { store } = setup({ cache: true });
    await seed(store);
    await store.ready();
    const created = await store.create('ns1', widget('f'));
    const list = await store.list('ns1', { resourceVersion: created.metadata.resourceVersion });
    expect(list.items.map((w) => w.metadata.name)).toEqual(expect.arrayContaining(['a', 'b', 'c', 'f']));
    const any = await store.list('ns1', { resourceVersion: '0', labelSelector: 'app=web' });
    expect(any.items.map((w) => w.metadata.name).sort()).toEqual(['a', 'b']);
  });
});

describe('a stored value that does not decode', () => {
  it.each([
    ['bad JSON', '{not json'],
    ['the wrong shape', '[1,2,3]'],
    ['no name', '{"metadata":{}}'],
    ['another kind', '{"kind":"Pod","metadata":{"name":"bad"}}'],
  ])('(%s) spoils only that object: get is 500, list skips it, delete removes it', async (_, value) => {
    const { storage, store } = setup();
    await store.create('ns1', widget('a'));
    await storage.create('/registry/widgets/ns1/bad', value);
    await store.create('ns1', widget('c'));

    const err = await caught(store.get('ns1', 'bad'));
    expect(err).toMatchObject({ reason: 'InternalError', code: 500 });
    expect(err.message).toContain('widgets "bad"');
    expect(err.message).not.toContain('/registry/');
    expect((await store.list('ns1')).items.map((w) => w.metadata.name)).toEqual(['a', 'c']);
    expect((await store.list('ns1', { limit: 1 })).items.map((w) => w.metadata.name)).toEqual(['a']);

    await store.delete('ns1', 'bad');
    expect(await storage.get('/registry/widgets/ns1/bad')).toBeUndefined();
  });
});

describe('delete', () => {
  it('deletes an object without grace or finalizers at once and returns its last state', async () => {
    const { store } = setup();
    const v1 = await store.create('ns1', widget('a'));
    const out = await store.delete('ns1', 'a');
    expect(out.metadata.uid).toBe(v1.metadata.uid);
    expect((await caught(store.get('ns1', 'a'))).reason).toBe('NotFound');
    expect((await caught(store.delete('ns1', 'a'))).reason).toBe('NotFound');
  });

  it.each([
    ['uid', { uid: 'other' }, 'Precondition failed: UID in precondition: other'],
    ['resourceVersion', { resourceVersion: '1' }, 'Precondition failed: ResourceVersion in precondition: 1'],
  ])('checks the %s precondition', async (_, preconditions, message) => {
    const { store } = setup();
    await store.create('ns1', widget('x'));
    await store.update('ns1', 'x', { ...widget('x'), spec: { color: 'red' } });
    const err = await caught(store.delete('ns1', 'x', { preconditions }));
    expect(err.reason).toBe('Conflict');
    expect(err.message).toContain(message);
    expect(await store.get('ns1', 'x')).toBeDefined();
  });

  it('marks a graceful delete, only ever shortens it, and removes the object at grace 0', async () => {
    const { store } = setup();
    await store.create('ns1', widget('a', { spec: { grace: 30 } }));
    const marked = await store.delete('ns1', 'a');
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2025-03-04T05:06:37Z', deletionGracePeriodSeconds: 30 });
    expect((await store.get('ns1', 'a')).metadata.deletionTimestamp).toBe('2025-03-04T05:06:37Z');

    const longer = await store.delete('ns1', 'a', { gracePeriodSeconds: 60 });
    expect(longer.metadata).toMatchObject({ deletionTimestamp: '2025-03-04T05:06:37Z', deletionGracePeriodSeconds: 30 });
    const shorter = await store.delete('ns1', 'a', { gracePeriodSeconds: 10 });
    expect(shorter.metadata).toMatchObject({ deletionTimestamp: '2025-03-04T05:06:17Z', deletionGracePeriodSeconds: 10 });

    // An update cannot undo or move the deletion.
    const updated = await store.update('ns1', 'a', { metadata: { name: 'a', labels: { x: 'y' } }, spec: { grace: 30 } });
    expect(updated.metadata).toMatchObject({ deletionTimestamp: '2025-03-04T05:06:17Z', deletionGracePeriodSeconds: 10 });

    await store.delete('ns1', 'a', { gracePeriodSeconds: 0 });
    expect((await caught(store.get('ns1', 'a'))).reason).toBe('NotFound');
  });

  it('keeps an object with finalizers until an update removes the last one', async () => {
    const { store } = setup();
    await store.create('ns1', widget('a', { metadata: { name: 'a', finalizers: ['x/one', 'x/two'] } }));
    const marked = await store.delete('ns1', 'a');
    expect(marked.metadata.deletionTimestamp).toBe('2025-03-04T05:06:07Z');
    const again = await store.delete('ns1', 'a');
    expect(again.metadata.resourceVersion).toBe(marked.metadata.resourceVersion);

    const added = await caught(store.guaranteedUpdate('ns1', 'a', (w) => ({ ...w, metadata: { ...w.metadata, finalizers: ['x/one', 'x/two', 'x/new'] } })));
    expect(added.details?.causes?.[0]?.field).toBe('metadata.finalizers');

    await store.guaranteedUpdate('ns1', 'a', (w) => ({ ...w, metadata: { ...w.metadata, finalizers: ['x/two'] } }));
    expect((await store.get('ns1', 'a')).metadata.finalizers).toEqual(['x/two']);
    await store.guaranteedUpdate('ns1', 'a', (w) => ({ ...w, metadata: { ...w.metadata, finalizers: [] } }));
    expect((await caught(store.get('ns1', 'a'))).reason).toBe('NotFound');
  });

  it('runs the afterDelete hook only when the object leaves storage', async () => {
    const deleted: string[] = [];
    const store = createStore<Widget>({
      storage: createMemoryStorage(),
      strategy: widgetStrategy,
      cache: false,
      hooks: { afterDelete: async (w) => void deleted.push(w.metadata.name!) },
    });
    await store.create('ns1', widget('a', { spec: { grace: 5 } }));
    await store.delete('ns1', 'a');
    expect(deleted).toEqual([]);
    await store.delete('ns1', 'a', { gracePeriodSeconds: 0 });
    expect(deleted).toEqual(['a']);
  });
});

describe('watch', () => {
  it('streams changes of matching objects from a list resourceVersion', async () => {
    const { store } = setup({ cache: true });
    await store.create('ns1', widget('a', { metadata: { name: 'a', labels: { app: 'web' } } }));
    await store.ready();
    const list = await store.list('ns1');
    const watcher = store.watch('ns1', { resourceVersion: list.metadata.resourceVersion, labelSelector: 'app=web' });
    await store.create('ns2', widget('other', { metadata: { name: 'other', labels: { app: 'web' } } }));
    await store.create('ns1', widget('nomatch'));
    await store.create('ns1', widget('b', { metadata: { name: 'b', labels: { app: 'web' } } }));
    await store.guaranteedUpdate('ns1', 'a', (w) => ({ ...w, spec: { color: 'red' } }));
    await store.delete('ns1', 'b');
    const seen: string[] = [];
    for await (const ev of watcher) {
      seen.push(`${ev.type} ${ev.object.metadata.name}`);
      if (seen.length === 3) break;
    }
    watcher.close();
    expect(seen).toEqual(['ADDED b', 'MODIFIED a', 'DELETED b']);
  });
});

describe('TTL from the strategy', () => {
  /** Widgets that live `spec.size` seconds after each write (0: forever), over storage on a fake clock. */
  function ttlSetup() {
    const clock = new FakeClock();
    const asked: boolean[] = [];
    const strategy: Strategy<Widget> = {
      ...widgetStrategy,
      ttlSeconds: (w, update) => {
        asked.push(update);
        return w.spec?.size;
      },
    };
    return { clock, asked, ...setup({ cache: true, strategy, storage: createMemoryStorage({ clock }) }) };
  }

  it('an object expires after the TTL of its create, and watchers see it DELETED', async () => {
    const { clock, asked, store } = ttlSetup();
    await store.create('ns1', widget('short', { spec: { size: 10 } }));
    await store.create('ns1', widget('forever', { spec: { size: 0 } }));
    await store.ready();
    const list = await store.list('ns1');
    const watcher = store.watch('ns1', { resourceVersion: list.metadata.resourceVersion });
    clock.advance(10_000);
    const ev = (await watcher[Symbol.asyncIterator]().next()).value;
    watcher.close();
    expect(`${ev?.type} ${ev?.object.metadata.name}`).toBe('DELETED short');
    expect(await caught(store.get('ns1', 'short'))).toMatchObject({ reason: 'NotFound' });
    expect((await store.list('ns1')).items.map((w) => w.metadata.name)).toEqual(['forever']);
    expect(asked).toEqual([false, false]);
  });

  it.each([
    ['update', (store: Store<Widget>) => store.update('ns1', 'w', widget('w', { spec: { size: 10, color: 'red' } }))],
    ['guaranteedUpdate', (store: Store<Widget>) => store.guaranteedUpdate('ns1', 'w', (w) => ({ ...w, spec: { size: 10, color: 'red' } }))],
  ])('%s writes with a fresh TTL', async (_verb, write) => {
    const { clock, asked, store } = ttlSetup();
    await store.create('ns1', widget('w', { spec: { size: 10 } }));
    clock.advance(9_000);
    await write(store);
    expect(asked).toEqual([false, true]);
    clock.advance(9_000);
    expect((await store.get('ns1', 'w')).spec?.color).toBe('red');
    clock.advance(1_000);
    expect(await caught(store.get('ns1', 'w'))).toMatchObject({ reason: 'NotFound' });
  });
});

/** A storage whose chosen methods fail with the queued errors first, then behave. */
function faulty(inner: Storage, queued: Partial<Record<'create' | 'update' | 'get' | 'delete' | 'list', StorageErrorCode[]>>) {
  const calls: Record<string, number> = {};
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const orig = Reflect.get(target, prop, receiver) as unknown;
      if (typeof orig !== 'function') return orig;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        const code = queued[prop as keyof typeof queued]?.shift();
        if (code) return Promise.reject(new StorageError(code, String(args[0]), `injected ${code}`));
        return (orig as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { storage, calls };
}

describe('storage errors', () => {
  const gr = { group: '', resource: 'widgets' };
  it.each([
    [interpretGetError, 'KeyNotFound', 'NotFound', 'widgets "w" not found'],
    [interpretCreateError, 'KeyExists', 'AlreadyExists', 'widgets "w" already exists'],
    [interpretUpdateError, 'Conflict', 'Conflict', 'Operation cannot be fulfilled on widgets "w": the object has been modified; please apply your changes to the latest version and try again'],
    [interpretUpdateError, 'KeyExists', 'Conflict', undefined],
    [interpretDeleteError, 'Unreachable', 'ServerTimeout', undefined],
    [interpretGetError, 'Internal', 'InternalError', undefined],
  ] as const)('%o turns %s into %s, naming the resource and never the key', (interpret, code, reason, message) => {
    const err = interpret(new StorageError(code, '/registry/widgets/ns1/w', 'storage detail'), gr, 'w');
    expect(err.reason).toBe(reason);
    if (message) expect(err.message).toBe(message);
    expect(err.message).not.toContain('/registry/');
  });

  it('retries a generated name that collided, but not a chosen one', async () => {
    const { storage } = faulty(createMemoryStorage(), { create: ['KeyExists', 'KeyExists'] });
    const { store } = setup({ storage });
    const created = await store.create('ns1', { metadata: { generateName: 'w-' } });
    expect(created.metadata.name).toMatch(/^w-.{5}$/);
    const { storage: s2 } = faulty(createMemoryStorage(), { create: ['KeyExists'] });
    const { store: fixed } = setup({ storage: s2 });
    expect((await caught(fixed.create('ns1', widget('a')))).reason).toBe('AlreadyExists');
  });

  it('does not retry an update whose outcome is unknown', async () => {
    const failing = faulty(createMemoryStorage(), { update: ['Unreachable'] });
    const { store } = setup({ storage: failing.storage });
    await store.create('ns1', widget('a'));
    let runs = 0;
    const err = await caught(
      store.guaranteedUpdate('ns1', 'a', (w) => {
        runs++;
        return { ...w, spec: { color: 'red' } };
      }),
    );
    expect(err.reason).toBe('ServerTimeout');
    expect(runs).toBe(1);
    expect(failing.calls['update']).toBe(1);
  });

  it('reports an unreachable storage on get as ServerTimeout', async () => {
    const { storage } = faulty(createMemoryStorage(), { get: ['Unreachable'] });
    const { store } = setup({ storage });
    expect(await caught(store.get('ns1', 'a'))).toMatchObject({ reason: 'ServerTimeout', code: 500 });
  });
});
