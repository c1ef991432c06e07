#!/usr/bin/env bash
# Soak of `triggerfish serve`'s live path (issue 12): the release server on loopback, driven at a
# steady rate with the shared workload's kubewatch and Alertmanager bodies for a long time, while
# the webhook receiver its findings go to is, in turns, answering, slow, down and answering 500.
# Reports inputs sent, accepted, handled and lost (must be 0), 503s answered, sink deliveries
# (delivered, failed, dropped), RSS at start and end, and p99 latency minute by minute; exits 1
# when an accepted input was not handled.
#   Benchmarks/soak.sh [minutes, default 30] [requests/s, default 100] [receiver phase seconds, default 120]
# Needs only Python 3 besides the build (soak.py is the driver and the receiver).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
shared="${SHARED_DIR:-$root/../shared}"
workload="$here/.workload"
minutes="${1:-30}"
rate="${2:-100}"
phase="${3:-120}"
if [ ! -f "$workload/pods.jsonl" ] || [ "$(wc -l <"$workload/pods.jsonl")" -lt 20000 ]; then
    echo "generating the workload into $workload (about 10 s, 290 MB)" >&2
    python3 "$shared/bench/gen_workload.py" --seed 20260820 --events 20000 --alert-bodies 5000 --out "$workload" >/dev/null
fi
# TRIGGERFISH_BIN runs another build (a debug one for a quick try of the harness).
bin="${TRIGGERFISH_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && swift build -c release --product triggerfish >&2)
    bin="$(cd "$root" && swift build -c release --show-bin-path)/triggerfish"
fi
scratch="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
receiver=$((port + 1))
# Every Pod update and every alert makes a finding for the webhook sink.
cat >"$scratch/soak.yaml" <<YAML
sinks_config:
  - webhook_sink:
      name: receiver
      url: http://127.0.0.1:$receiver/findings
active_playbooks:
  - triggers:
      - on_pod_update: {}
    actions:
      - create_finding:
          title: "Pod \$name changed"
          aggregation_key: SoakPodUpdate
  - triggers:
      - on_prometheus_alert: {}
    actions:
      - create_finding:
          title: "Alert on \$name"
          aggregation_key: SoakAlert
YAML
"$bin" serve --config "$scratch/soak.yaml" --host 127.0.0.1 --port "$port" --kubernetes none --log-level warning \
    >"$scratch/server.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; rm -rf "$scratch"' EXIT
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
status=0
python3 "$here/soak.py" --port "$port" --pid "$pid" --receiver-port "$receiver" --pods "$workload/pods.jsonl" \
    --alerts "$workload/alerts.jsonl" --minutes "$minutes" --rate "$rate" --phase-seconds "$phase" || status=$?
kill -TERM "$pid"
wait "$pid" || status=$?
echo "server log (warnings and above, last 20 lines):"
tail -n 20 "$scratch/server.log"
exit "$status"
