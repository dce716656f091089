/**
 * vitest globalSetup of the e2e project: one etcd for the whole run. `TSKUBE_TEST_ETCD` points
 * the tests at an etcd that is already running; otherwise a fresh one is started on free ports
 * and stopped at the end. Tests read the endpoint with `inject('etcdEndpoint')`.
 */
import type { TestProject } from 'vitest/node';
import { etcdAnswers, startEtcd } from '@tskube/tools';

declare module 'vitest' {
  export interface ProvidedContext {
    etcdEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env['TSKUBE_TEST_ETCD'];
  if (given) {
    if (!(await etcdAnswers(given, 3_000))) {
      throw new Error(`TSKUBE_TEST_ETCD=${given}: no healthy etcd answers at ${given}/health`);
    }
    project.provide('etcdEndpoint', given);
    return undefined;
  }
  const etcd = await startEtcd();
  project.provide('etcdEndpoint', etcd.endpoint);
  return () => etcd.stop();
}
