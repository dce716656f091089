#!/usr/bin/env bash
# README command one: bring up a local tskube cluster on this machine.
# Today that is etcd plus the registries bootstrapped in it; each daemon joins as it is built.
cd "$(dirname "$0")/../.."
source tools/scripts/lib.sh

ensure_apt_packages
ensure_node_modules
log "build"
npx nx run-many -t build --outputStyle=static >/dev/null
exec npx tsx tools/src/up-main.ts "$@"
