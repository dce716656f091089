// Public API of @tskube/tools.
export { startEtcd, etcdAnswers, etcdBinary, freePort, type StartEtcdOptions, type EtcdProcess } from './etcd.js';
export { createDevPki, writeTokenFile, readTokenFile, randomToken, type DevPki, type TokenEntry } from './certs.js';
export { writeKubeconfig, kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.js';
export { ensureKubectl120 } from './kubectl120.js';
