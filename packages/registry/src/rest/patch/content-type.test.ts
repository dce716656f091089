import { describe, expect, it } from 'vitest';
import { mergeKeyFor, patchMetaFor, patchTypeFromContentType } from './index.js';

describe('patchTypeFromContentType', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/strategic-merge-patch+json; charset=utf-8', 'strategic'],
    ['Application/Merge-Patch+JSON ;charset=UTF-8', 'merge'],
    ['application/json', undefined],
    ['text/plain', undefined],
    ['', undefined],
    ['constructor', undefined],
  ])('%j → %s', (contentType, want) => {
    expect(patchTypeFromContentType(contentType)).toBe(want);
  });
});

describe('mergeKeyFor', () => {
  it.each([
    ['Pod', 'spec.containers', 'name'],
    ['Pod', 'spec.initContainers', 'name'],
    ['Pod', 'spec.ephemeralContainers', 'name'],
    ['Pod', 'spec.containers[].ports', 'containerPort'],
    ['Pod', 'spec.containers[0].env', 'name'],
    ['Pod', 'spec.containers.volumeMounts', 'mountPath'],
    ['Pod', 'spec.containers.volumeDevices', 'devicePath'],
    ['Pod', 'spec.volumes', 'name'],
    ['Pod', 'spec.imagePullSecrets', 'name'],
    ['Pod', 'spec.hostAliases', 'ip'],
    ['Pod', 'spec.topologySpreadConstraints', 'topologyKey'],
    ['Pod', 'status.conditions', 'type'],
    ['Pod', 'status.podIPs', 'ip'],
    ['Pod', 'status.hostIPs', 'ip'],
    ['Pod', 'metadata.ownerReferences', 'uid'],
    ['ReplicationController', 'spec.template.spec.containers[].env', 'name'],
    ['ReplicationController', 'status.conditions', 'type'],
    ['Node', 'status.addresses', 'type'],
    ['Node', 'status.conditions', 'type'],
    ['Namespace', 'status.conditions', 'type'],
    ['Service', 'spec.ports', 'port'],
    ['Pod', 'spec.tolerations', undefined],
    ['Pod', 'spec.containers.args', undefined],
    ['Node', 'spec.taints', undefined],
    ['Node', 'status.images', undefined],
    ['Pod', 'metadata.finalizers', undefined],
    ['Widget', 'spec.containers', undefined],
  ])('%s %s → %s', (kind, path, want) => {
    expect(mergeKeyFor(kind, path)).toBe(want);
  });

  it.each([
    ['Pod', 'metadata.finalizers'],
    ['Node', 'spec.podCIDRs'],
    ['ReplicationController', 'spec.template.metadata.finalizers'],
  ])('%s %s is a primitive merge list (a set)', (kind, path) => {
    expect(patchMetaFor(kind, path)).toMatchObject({ strategy: 'merge' });
    expect(patchMetaFor(kind, path)?.mergeKey).toBeUndefined();
  });

  it('marks volumes as retainKeys', () => {
    expect(patchMetaFor('Pod', 'spec.volumes')).toMatchObject({ strategy: 'merge', retainKeys: true, mergeKey: 'name' });
  });
});
