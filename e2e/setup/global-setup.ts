/**
 * vitest globalSetup of the e2e project: one etcd for the whole run. `TSKUBE_TEST_ETCD` points
 * the tests at an etcd that is already running; otherwise a fresh one is started on free ports
 * and stopped at the end. Tests read the endpoint with `inject('etcdEndpoint')`.
 *
 * Docker is started lazily, by the first test file that calls `useDocker()` (e2e/setup/docker.ts).
 * This run holds a lease on it until the teardown; the last run out stops a dockerd that a test
 * started (e2e/setup/docker-lease.ts). A dockerd that was already running is never stopped.
 */
import type { TestProject } from 'vitest/node';
import { etcdAnswers, startEtcd } from '@tskube/tools';
import { releaseDockerLease, takeDockerLease } from './docker-lease.js';

declare module 'vitest' {
  export interface ProvidedContext {
    etcdEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  takeDockerLease();
  const stopDocker = releaseDockerLease;

  const given = process.env['TSKUBE_TEST_ETCD'];
  if (given) {
    if (!(await etcdAnswers(given, 3_000))) {
      throw new Error(`TSKUBE_TEST_ETCD=${given}: no healthy etcd answers at ${given}/health`);
    }
    project.provide('etcdEndpoint', given);
    return stopDocker;
  }
  const etcd = await startEtcd();
  project.provide('etcdEndpoint', etcd.endpoint);
  return async () => {
    await etcd.stop();
    await stopDocker();
  };
}
