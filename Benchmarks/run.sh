#!/usr/bin/env bash
# Generates the benchmark workload with ../shared/bench/gen_workload.py (the bytes and playbook
# configs Robusta's runner was measured on), then runs the benchmarks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${SHARED_DIR:-$here/../../shared}"
workload="$here/.workload"
if [ ! -f "$workload/playbooks_k8s_N1000.yaml" ]; then
    python3 "$shared/bench/gen_workload.py" --seed 20260820 --events 20 --alert-bodies 20 --out "$workload" >/dev/null
fi
cd "$here"
WORKLOAD_DIR="$workload" swift package --disable-sandbox benchmark "$@"
