/** coordination.k8s.io/v1 Lease: node heartbeats and leader election. */
import { MicroTimeSchema, int32, opt, str, struct } from './base.js';
import { ObjectMetaSchema, listOf, typeMeta } from './meta.js';

const COORDINATION_V1 = 'io.k8s.api.coordination.v1.';
const c = (name: string) => COORDINATION_V1 + name;

export const LeaseSpecSchema = struct(c('LeaseSpec'), {
  holderIdentity: opt(str('holderIdentity contains the identity of the holder of a current lease.')),
  leaseDurationSeconds: opt(int32('leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.')),
  acquireTime: opt(MicroTimeSchema),
  renewTime: opt(MicroTimeSchema),
  leaseTransitions: opt(int32('leaseTransitions is the number of transitions of a lease between holders.')),
  strategy: opt(str('Strategy indicates the strategy for picking the leader for coordinated leader election.')),
  preferredHolder: opt(str('PreferredHolder signals to a lease holder that the lease has a more optimal holder.')),
});
export const LeaseSchema = struct(c('Lease'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(LeaseSpecSchema),
});
export const LeaseListSchema = listOf(c('LeaseList'), LeaseSchema);
