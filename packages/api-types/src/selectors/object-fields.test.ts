import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors/index.js';
import { parseFieldSelector } from './fields.js';
import { objectFields, supportedFieldLabels, validateFieldSelector } from './object-fields.js';

const boundPod = {
  metadata: { name: 'web-0', namespace: 'prod' },
  spec: {
    nodeName: 'n1',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    serviceAccountName: 'default',
    hostNetwork: true,
  },
  status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.7' }], nominatedNodeName: 'n2' },
};

describe('objectFields', () => {
  it('reads every Pod field, the first podIPs entry winning over podIP', () => {
    expect(objectFields('Pod', boundPod)).toEqual({
      'metadata.name': 'web-0',
      'metadata.namespace': 'prod',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.7',
      'status.nominatedNodeName': 'n2',
    });
  });

  it('maps missing values to "" and a missing bool to "false"', () => {
    const fields = objectFields('Pod', { metadata: { name: 'p' }, spec: {} });
    expect(fields['spec.nodeName']).toBe('');
    expect(fields['spec.hostNetwork']).toBe('false');
    expect(fields['status.podIP']).toBe('');
  });

  it('lets spec.nodeName= select only unbound pods', () => {
    const sel = parseFieldSelector('spec.nodeName=');
    expect(sel.matches(objectFields('Pod', { metadata: { name: 'p' }, spec: {} }))).toBe(true);
    expect(sel.matches(objectFields('Pod', boundPod))).toBe(false);
  });

  it.each([
    ['Node', { metadata: { name: 'n1' }, spec: { unschedulable: true } }, { 'metadata.name': 'n1', 'metadata.namespace': '', 'spec.unschedulable': 'true' }],
    ['Node', { metadata: { name: 'n2' } }, { 'metadata.name': 'n2', 'metadata.namespace': '', 'spec.unschedulable': 'false' }],
    ['Namespace', { metadata: { name: 'ns' }, status: { phase: 'Active' } }, { 'metadata.name': 'ns', 'metadata.namespace': '', 'status.phase': 'Active' }],
    ['ReplicationController', { metadata: { name: 'rc', namespace: 'd' }, status: { replicas: 3 } }, { 'metadata.name': 'rc', 'metadata.namespace': 'd', 'status.replicas': '3' }],
    ['ReplicationController', { metadata: { name: 'rc', namespace: 'd' } }, { 'metadata.name': 'rc', 'metadata.namespace': 'd', 'status.replicas': '0' }],
    ['Secret', { metadata: { name: 's', namespace: 'd' }, type: 'Opaque' }, { 'metadata.name': 's', 'metadata.namespace': 'd', type: 'Opaque' }],
    ['Service', { metadata: { name: 'svc', namespace: 'd' }, spec: { clusterIP: '10.0.0.1' } }, { 'metadata.name': 'svc', 'metadata.namespace': 'd' }],
  ])('%s %j', (kind, obj, want) => {
    expect(objectFields(kind, obj)).toEqual(want);
  });

  it('reads Event fields, source being source.component', () => {
    const event = {
      metadata: { name: 'e1', namespace: 'd' },
      involvedObject: { kind: 'Pod', namespace: 'd', name: 'web-0', uid: 'u1', apiVersion: 'v1', resourceVersion: '42', fieldPath: 'spec.containers{web}' },
      reason: 'Scheduled',
      reportingComponent: 'default-scheduler',
      source: { component: 'kubelet', host: 'n1' },
      type: 'Normal',
    };
    expect(objectFields('Event', event)).toEqual({
      'metadata.name': 'e1',
      'metadata.namespace': 'd',
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'd',
      'involvedObject.name': 'web-0',
      'involvedObject.uid': 'u1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '42',
      'involvedObject.fieldPath': 'spec.containers{web}',
      reason: 'Scheduled',
      reportingComponent: 'default-scheduler',
      source: 'kubelet',
      type: 'Normal',
    });
  });

  it('lists the supported labels of a kind', () => {
    expect(supportedFieldLabels('Node')).toEqual(['metadata.name', 'metadata.namespace', 'spec.unschedulable']);
    expect(supportedFieldLabels('Widget')).toEqual(['metadata.name', 'metadata.namespace']);
    expect(supportedFieldLabels('toString')).toEqual(['metadata.name', 'metadata.namespace']);
  });
});

describe('validateFieldSelector', () => {
  it.each([
    ['Pod', 'spec.nodeName=n1,status.phase!=Failed,metadata.namespace=d'],
    ['Node', 'spec.unschedulable=false'],
    ['Event', 'involvedObject.name=web-0,involvedObject.kind=Pod,type=Warning'],
    ['Secret', 'type=kubernetes.io/service-account-token'],
    ['Service', 'metadata.name=kubernetes'],
    ['Pod', ''],
  ])('%s accepts %j', (kind, sel) => {
    expect(() => validateFieldSelector(kind, parseFieldSelector(sel))).not.toThrow();
  });
  it.each([
    ['Pod', 'foo.bar=x', 'field label not supported: foo.bar'],
    ['Node', 'spec.nodeName=n1', 'field label not supported: spec.nodeName'],
    ['Service', 'spec.clusterIP=None', 'field label not supported: spec.clusterIP'],
    ['Pod', 'status.phase=Running,metadata.labels=x', 'field label not supported: metadata.labels'],
  ])('%s rejects %j', (kind, sel, message) => {
    let caught: unknown;
    try {
      validateFieldSelector(kind, parseFieldSelector(sel));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StatusError);
    expect((caught as StatusError).code).toBe(400);
    expect((caught as StatusError).message).toBe(message);
  });
});
