// Public API of @tskube/tools.
export { startEtcd, etcdAnswers, etcdBinary, freePort, type StartEtcdOptions, type EtcdProcess } from './etcd.js';
