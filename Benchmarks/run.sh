#!/usr/bin/env bash
# Generates the benchmark workload with ../shared/bench/gen_workload.py (the bytes and playbook
# configs Robusta's runner was measured on: 20,000 Pod updates, 5,000 Alertmanager bodies), then
# runs the benchmarks.
#   ./run.sh                 ordo-one benchmarks (generator, validation, replay per event)
#   ./run.sh throughput      whole-file replay: events/s, latency percentiles, peak memory
#   ./run.sh watch           the watch of `serve --watch` on one core: changes/s, memory per
#                            watched object, alert resolution from the cache and from the API
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${SHARED_DIR:-$here/../../shared}"
workload="$here/.workload"
if [ ! -f "$workload/pods.jsonl" ] || [ "$(wc -l <"$workload/pods.jsonl")" -lt 20000 ]; then
    echo "generating the workload into $workload (about 10 s, 290 MB)" >&2
    python3 "$shared/bench/gen_workload.py" --seed 20260820 --events 20000 --alert-bodies 5000 --out "$workload" >/dev/null
fi
cd "$here"
if [ "${1:-}" = "throughput" ]; then
    shift
    swift build -c release --product ReplayThroughput >&2
    for config in playbooks_k8s_N10.yaml playbooks_k8s_N100.yaml playbooks_k8s_N1000.yaml; do
        WORKLOAD_DIR="$workload" "$(swift build -c release --show-bin-path)/ReplayThroughput" pods.jsonl "$config"
    done
    for config in playbooks_alerts_N10.yaml playbooks_alerts_N100.yaml playbooks_alerts_N1000.yaml; do
        WORKLOAD_DIR="$workload" "$(swift build -c release --show-bin-path)/ReplayThroughput" alerts.jsonl "$config"
    done
    exit 0
fi
if [ "${1:-}" = "watch" ]; then
    shift
    swift build -c release --product WatchThroughput >&2
    pin=()
    if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
    WORKLOAD_DIR="$workload" "${pin[@]}" "$(swift build -c release --show-bin-path)/WatchThroughput" "$@"
    exit 0
fi
WORKLOAD_DIR="$workload" swift package --disable-sandbox benchmark "$@"
