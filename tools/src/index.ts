// Public API of @tskube/tools.
export { startEtcd, etcdAnswers, etcdBinary, freePort, type StartEtcdOptions, type EtcdProcess } from './etcd.js';
export { createDevPki, devApiServerArgs, writeTokenFile, readTokenFile, randomToken, type DevPki, type TokenEntry } from './certs.js';
export { writeKubeconfig, kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.js';
export { ensureKubectl120 } from './kubectl120.js';
export { ensureDockerd, dockerAnswers, dockerdBinary, parseDockerHost, stopDockerdPid, DEFAULT_DOCKER_SOCKET, type EnsureDockerdOptions, type DockerdHandle } from './dockerd.js';
export { ensureImages, ensureDaemonImages, ensureRecipes, BUSYBOX_IMAGE, PAUSE_IMAGE, ETCD_IMAGE, IMAGE_HASH_LABEL, type ImageResult, type Recipe } from '../images/build.js';
export { DAEMONS, DAEMON_NAMES, daemonImage, daemonVersion, type DaemonName } from '../images/daemons.js';
