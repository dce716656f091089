import { describe, expect, it } from 'vitest';
import { defaultReplicationController } from '../defaults/index.js';
import type { ReplicationController } from '../types/index.js';
import {
  validateReplicationController,
  validateReplicationControllerStatusUpdate,
  validateReplicationControllerUpdate,
} from './controller.js';

const validRC = (): ReplicationController =>
  defaultReplicationController({
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: 'web', track: 'stable' } },
        spec: { containers: [{ name: 'web', image: 'tskube/busybox:latest' }] },
      },
    },
  });
type Mutator = (rc: ReplicationController) => void;
const spec = (rc: ReplicationController) => rc.spec!;
const tspec = (rc: ReplicationController) => rc.spec!.template!.spec!;

describe('validateReplicationController', () => {
  it('accepts a valid defaulted controller', () => {
    expect(validateReplicationController(validRC())).toEqual([]);
  });

  const rows: [string, Mutator, Mutator, string, string][] = [
    ['replicas non-negative', (rc) => (spec(rc).replicas = 0), (rc) => (spec(rc).replicas = -1), 'spec.replicas', 'FieldValueInvalid'],
    ['selector non-empty', (rc) => (spec(rc).selector = { app: 'web' }), (rc) => (spec(rc).selector = {}), 'spec.selector', 'FieldValueRequired'],
    ['selector matches template labels', (rc) => (spec(rc).selector = { track: 'stable' }), (rc) => (spec(rc).selector = { app: 'db' }), 'spec.template.metadata.labels', 'FieldValueInvalid'],
    ['template required', () => {}, (rc) => delete spec(rc).template, 'spec.template', 'FieldValueRequired'],
    ['template pod spec is validated', (rc) => (tspec(rc).containers[0]!.image = 'nginx:1'), (rc) => (tspec(rc).containers[0]!.image = ''), 'spec.template.spec.containers[0].image', 'FieldValueRequired'],
    ['template restartPolicy must be Always', () => {}, (rc) => (tspec(rc).restartPolicy = 'OnFailure'), 'spec.template.spec.restartPolicy', 'FieldValueNotSupported'],
    ['minReadySeconds non-negative', (rc) => (spec(rc).minReadySeconds = 5), (rc) => (spec(rc).minReadySeconds = -5), 'spec.minReadySeconds', 'FieldValueInvalid'],
  ];
  it.each(rows)('%s: passes', (_rule, pass) => {
    const rc = validRC();
    pass(rc);
    expect(validateReplicationController(rc)).toEqual([]);
  });
  it.each(rows)('%s: fails', (_rule, _pass, fail, path, type) => {
    const rc = validRC();
    fail(rc);
    expect(validateReplicationController(rc)).toContainEqual(expect.objectContaining({ field: path, type }));
  });

  it('reports template restartPolicy with the upstream message', () => {
    const rc = validRC();
    tspec(rc).restartPolicy = 'Never';
    expect(validateReplicationController(rc)).toEqual([
      {
        type: 'FieldValueNotSupported',
        field: 'spec.template.spec.restartPolicy',
        message: 'Unsupported value: "Never": supported values: "Always"',
      },
    ]);
  });
});

describe('validateReplicationController updates', () => {
  const old = () => {
    const rc = validRC();
    rc.metadata!.resourceVersion = '4';
    rc.status = { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2 };
    return rc;
  };

  it.each<[string, Mutator, string | undefined]>([
    ['scaling', (rc) => (spec(rc).replicas = 5), undefined],
    ['negative replicas', (rc) => (spec(rc).replicas = -2), 'spec.replicas'],
  ])('spec update: %s', (_name, change, path) => {
    const prev = old();
    const next = structuredClone(prev);
    change(next);
    const errs = validateReplicationControllerUpdate(next, prev);
    if (path === undefined) expect(errs).toEqual([]);
    else expect(errs.map((e) => e.field)).toEqual([path]);
  });

  it.each<[string, Mutator, string | undefined]>([
    ['counts within replicas', (rc) => Object.assign(rc.status!, { readyReplicas: 1, availableReplicas: 1 }), undefined],
    ['negative replicas', (rc) => (rc.status!.replicas = -1), 'status.replicas'],
    ['ready above replicas', (rc) => Object.assign(rc.status!, { replicas: 1, fullyLabeledReplicas: 1, availableReplicas: 1 }), 'status.readyReplicas'],
    ['available above ready', (rc) => Object.assign(rc.status!, { readyReplicas: 1 }), 'status.availableReplicas'],
  ])('status update: %s', (_name, change, path) => {
    const prev = old();
    const next = structuredClone(prev);
    change(next);
    const errs = validateReplicationControllerStatusUpdate(next, prev);
    if (path === undefined) expect(errs).toEqual([]);
    else expect(errs.map((e) => e.field)).toContain(path);
  });
});
