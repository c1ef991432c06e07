#!/usr/bin/env bash
# Generates the benchmark workload with ../shared/bench/gen_workload.py (the bytes and playbook
# configs Robusta's runner was measured on: 20,000 Pod updates, 5,000 Alertmanager bodies), then
# runs the benchmarks.
#   ./run.sh                 ordo-one benchmarks (generator, validation, replay per event)
#   ./run.sh throughput      whole-file replay: events/s on one core and on all, latency
#                            percentiles, peak memory, beside orjson's parse rate of the same file;
#                            also configs whose playbooks never fire (never:NAME), and whose
#                            actions read what they are given (reads:NAME: both whole objects,
#                            or the alert's finding)
#   ./run.sh curve           events/s against body size (1 KB to 1 MB) and playbooks (1 to 10,000),
#                            peak RSS against distinct Pods seen (1,000 to 100,000); --part to pick
#   ./run.sh watch           the watch of `serve --watch` on one core: changes/s, memory per
#                            watched object, alert resolution from the cache and from the API
#   ./run.sh allocations     heap allocations per input (pods and alerts, 10 and 1,000 playbooks),
#                            counted by malloc_count.c preloaded (glibc and a C compiler needed):
#                            unlike a time, the count does not depend on how busy the machine is
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${SHARED_DIR:-$here/../../shared}"
workload="$here/.workload"
if [ ! -f "$workload/pods.jsonl" ] || [ "$(wc -l <"$workload/pods.jsonl")" -lt 20000 ]; then
    echo "generating the workload into $workload (about 10 s, 290 MB)" >&2
    python3 "$shared/bench/gen_workload.py" --seed 20260820 --events 20000 --alert-bodies 5000 --out "$workload" >/dev/null
fi
cd "$here"
# What a fast JSON parser does with the same bytes, the rate to beat: orjson (PyPI) when Python
# has it, else Foundation's JSONSerialization.
reference() {
    if python3 -c 'import orjson' 2>/dev/null; then
        python3 - "$workload/$1" <<'PY'
import sys, time, orjson
lines = open(sys.argv[1], "rb").readlines()
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    best = min(best, time.perf_counter() - start)
print(f"{sys.argv[1].split('/')[-1]}: orjson {orjson.__version__} parses {len(lines) / best:.0f} bodies/s on one core (best of 3)")
PY
    else
        WORKLOAD_DIR="$workload" "$bin/ReplayThroughput" --foundation-parse "$1"
    fi
}
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
# The heap allocator of `throughput`: mimalloc (the package's Mimalloc trait), as the Containerfile
# links `triggerfish`, when the linker finds it (Debian: libmimalloc-dev); ALLOCATOR=glibc keeps
# glibc's, ALLOCATOR=mimalloc insists. With glibc's, two cores replay alerts 1.6 to 1.75 times as
# fast as one rather than about 1.9 (docs/performance.md). Each sequential pass names its allocator. The other
# modes keep glibc's: `allocations` counts through glibc's entry points, `watch` reads glibc's heap
# statistics, and `curve` keeps its figures comparable with earlier ones.
allocator=()
case "${ALLOCATOR:-}" in
glibc) ;;
mimalloc) allocator=(--traits Mimalloc) ;;
"")
    if echo 'int main(void) { return 0; }' | cc -x c - -lmimalloc -o /dev/null 2>/dev/null; then
        allocator=(--traits Mimalloc)
    else
        echo "mimalloc not found (Debian: apt-get install libmimalloc-dev): measuring with glibc's allocator" >&2
    fi
    ;;
*)
    echo "ALLOCATOR is glibc or mimalloc, not '$ALLOCATOR'" >&2
    exit 2
    ;;
esac
if [ "${1:-}" = "throughput" ]; then
    shift
    # As the Containerfile sets it (it does nothing under glibc).
    export MIMALLOC_SEGMENT_DECOMMIT_DELAY=0
    swift build -c release --product ReplayThroughput "${allocator[@]}" >&2
    bin="$(swift build -c release --show-bin-path)"
    # The reference parse and the sequential passes on one core; the pipeline pass uses them all.
    "${pin[@]}" bash -c "$(declare -f reference); workload='$workload' bin='$bin' reference pods.jsonl"
    for config in playbooks_k8s_N10.yaml playbooks_k8s_N100.yaml playbooks_k8s_N1000.yaml never:playbooks_k8s_N10.yaml never:playbooks_k8s_N1000.yaml reads:playbooks_k8s_N10.yaml reads:playbooks_k8s_N1000.yaml; do
        WORKLOAD_DIR="$workload" "${pin[@]}" "$bin/ReplayThroughput" --pass sequential pods.jsonl "$config"
        WORKLOAD_DIR="$workload" "$bin/ReplayThroughput" --pass pipeline pods.jsonl "$config"
    done
    "${pin[@]}" bash -c "$(declare -f reference); workload='$workload' bin='$bin' reference alerts.jsonl"
    for config in playbooks_alerts_N10.yaml playbooks_alerts_N100.yaml playbooks_alerts_N1000.yaml reads:playbooks_alerts_N10.yaml reads:playbooks_alerts_N1000.yaml; do
        WORKLOAD_DIR="$workload" "${pin[@]}" "$bin/ReplayThroughput" --pass sequential alerts.jsonl "$config"
        WORKLOAD_DIR="$workload" "$bin/ReplayThroughput" --pass pipeline alerts.jsonl "$config"
    done
    exit 0
fi
if [ "${1:-}" = "allocations" ]; then
    shift
    swift build -c release --product ReplayThroughput >&2
    bin="$(swift build -c release --show-bin-path)"
    cc -O2 -shared -fPIC -o "$bin/libmalloc_count.so" "$here/malloc_count.c"
    for run in "pods.jsonl playbooks_k8s_N10.yaml playbooks_k8s_N1000.yaml" "alerts.jsonl playbooks_alerts_N10.yaml playbooks_alerts_N1000.yaml"; do
        # shellcheck disable=SC2086
        WORKLOAD_DIR="$workload" LD_PRELOAD="$bin/libmalloc_count.so" "$bin/ReplayThroughput" --pass sequential $run
    done
    exit 0
fi
if [ "${1:-}" = "curve" ]; then
    shift
    swift build -c release --product CostCurve >&2
    WORKLOAD_DIR="$workload" "${pin[@]}" "$(swift build -c release --show-bin-path)/CostCurve" "$@"
    exit 0
fi
if [ "${1:-}" = "watch" ]; then
    shift
    swift build -c release --product WatchThroughput >&2
    WORKLOAD_DIR="$workload" "${pin[@]}" "$(swift build -c release --show-bin-path)/WatchThroughput" "$@"
    exit 0
fi
WORKLOAD_DIR="$workload" swift package --disable-sandbox benchmark "$@"
