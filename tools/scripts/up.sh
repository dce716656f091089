#!/usr/bin/env bash
# README command one: bring up a local tskube cluster on this machine.
# Today: etcd, then the apiserver (TLS 127.0.0.1:6443 with a dev PKI and an admin token, plain
# HTTP on 127.0.0.1:8080) and .tskube/kubeconfig for the stock kubectl; each daemon joins as it
# is built.
cd "$(dirname "$0")/../.."
source tools/scripts/lib.sh

ensure_apt_packages
ensure_node_modules
command -v openssl >/dev/null 2>&1 || { log "openssl is needed for the dev PKI (apt-get install -y openssl)"; exit 1; }
command -v kubectl >/dev/null 2>&1 || log "no kubectl on PATH: the cluster comes up, but you need kubectl to talk to it"
log "build"
npx nx run-many -t build --outputStyle=static >/dev/null
exec npx tsx tools/src/up-main.ts "$@"
