#!/usr/bin/env bash
# `triggerfish serve` over real HTTP on loopback, on the shared workload (../shared/bench): for the
# pods (POST /api/handle) and alerts (POST /api/alerts) configs with 10 and 1,000 playbooks,
#   - requests/s at saturation (wrk, cycling through the workload's bodies), and that every input
#     answered 2xx was handled (the runner's own counters, read after the queue drained);
#   - p50/p99 latency at a fixed 1,000 requests/s (hey, one median body);
#   - the runner's peak RSS.
# Needs wrk and hey (Debian packages). `bench_count` is declared with --actions and has no
# implementation in the CLI, so each run of it is an `unknown_action` failure: the same per-fire
# cost as an action that only counts; logging is off (--log-level critical) so the log is not measured.
#   Benchmarks/serve.sh [seconds per saturation run, default 20]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
shared="${SHARED_DIR:-$root/../shared}"
workload="$here/.workload"
duration="${1:-20}"
for tool in wrk hey; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found (apt-get install wrk hey)" >&2; exit 1; }
done
if [ ! -f "$workload/pods.jsonl" ] || [ "$(wc -l <"$workload/pods.jsonl")" -lt 20000 ]; then
    echo "generating the workload into $workload (about 10 s, 290 MB)" >&2
    python3 "$shared/bench/gen_workload.py" --seed 20260820 --events 20000 --alert-bodies 5000 --out "$workload" >/dev/null
fi
(cd "$root" && swift build -c release --product triggerfish >&2)
bin="$(cd "$root" && swift build -c release --show-bin-path)/triggerfish"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cat >"$scratch/bench.actions.yaml" <<'EOF'
actions:
  bench_count:
    doc: "Counts (the benchmark's action)."
    event: ExecutionBaseEvent
EOF
# wrk sends the bodies of a file in turn (the first 2,000 lines: each wrk thread holds them in memory).
cat >"$scratch/bodies.lua" <<'EOF'
local bodies = {}
local index = 0
function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
    if #bodies >= 2000 then break end
  end
end
function request()
  index = index % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[index])
end
EOF

metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v series="$1" '$1 == series { print $2 }'; }

run() {
    local inputs="$1" config="$2" path="$3" source="$4"
    port=$((20000 + RANDOM % 20000))
    "$bin" serve --config "$workload/$config" --actions "$scratch/bench.actions.yaml" --host 127.0.0.1 --port "$port" \
        --queue-capacity 2000 --log-level critical --watch-interval 0 &
    local pid=$!
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
    local saturation
    saturation=$(wrk -t2 -c32 -d"${duration}s" -s "$scratch/bodies.lua" "http://127.0.0.1:$port$path" -- "$workload/$inputs" |
        awk '/Requests\/sec/ { print $2 } /Non-2xx/ { print "non-2xx: " $4 }' | paste -sd' ')
    until [ "$(metric triggerfish_queue_depth)" = "0" ]; do sleep 0.1; done
    local accepted handled
    accepted=$(metric "triggerfish_requests_accepted_total{endpoint=\"${path#/api/}\"}")
    handled=$(metric "triggerfish_input_duration_seconds_count{endpoint=\"${path#/api/}\"}")
    sed -n "$((RANDOM % 1000 + 1))p" "$workload/$inputs" >"$scratch/body.json"
    local latency
    latency=$(hey -z 10s -c 10 -q 100 -m POST -T application/json -D "$scratch/body.json" "http://127.0.0.1:$port$path" |
        awk '/Requests\/sec/ { rps = $2 } /50% in/ { p50 = $3 } /99% in/ { p99 = $3 } END { printf "%s req/s, p50 %.2f ms, p99 %.2f ms", rps, p50 * 1000, p99 * 1000 }')
    local rss
    rss=$(awk '/VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid"
    printf '%-28s saturation %s req/s; accepted %s, handled %s; at 1,000 req/s: %s; peak RSS %s\n' \
        "$config" "$saturation" "$accepted" "$handled" "$latency" "$rss"
}

run pods.jsonl playbooks_k8s_N10.yaml /api/handle kubernetes
run pods.jsonl playbooks_k8s_N1000.yaml /api/handle kubernetes
run alerts.jsonl playbooks_alerts_N10.yaml /api/alerts alert
run alerts.jsonl playbooks_alerts_N1000.yaml /api/alerts alert
