#!/usr/bin/env bash
# README command one: bring up a local tskube cluster on this machine.
# Today: etcd, the apiserver (TLS 127.0.0.1:6443 with a dev PKI and an admin token, plain HTTP on
# 127.0.0.1:8080), the scheduler and one kubelet (Docker; TSKUBE_RUNTIME=fake runs without), and
# .tskube/kubeconfig for the stock kubectl. The controller manager and the proxy join as they are
# built. Environment overrides: see tools/src/up-main.ts.
cd "$(dirname "$0")/../.."
source tools/scripts/lib.sh

ensure_apt_packages
ensure_node_modules
command -v openssl >/dev/null 2>&1 || { log "openssl is needed for the dev PKI (apt-get install -y openssl)"; exit 1; }
command -v kubectl >/dev/null 2>&1 || log "no kubectl on PATH: the cluster comes up, but you need kubectl to talk to it"
log "build"
npx nx run-many -t build --outputStyle=static >/dev/null
# In its own session, so that Ctrl-C reaches only this script: otherwise the terminal's SIGINT
# also hits etcd (a child of up-main) and kills it before the daemons that use it have stopped.
# The script then asks up-main, once, to stop everything in reverse order.
setsid node --import tsx tools/src/up-main.ts "$@" &
child=$!
asked=
trap '[ -n "$asked" ] || { asked=1; kill -TERM "$child" 2>/dev/null; }' INT TERM
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
exit "$rc"
