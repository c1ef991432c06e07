#!/usr/bin/env bash
# Runs schemathesis (4.x) from docs/openapi.yaml against a live `triggerfish serve` on loopback: no
# generated request may get a 5xx other than a documented 503 (.ci/schemathesis.toml), every answer
# must match the document's response schemas, and the server must exit 0 on SIGTERM afterwards.
#
# Environment: TRIGGERFISH_BINARY (default .build/debug/triggerfish), SCHEMATHESIS_MAX_EXAMPLES
# (test cases per operation and phase, default 100: under a minute on 2 cores against a stand-in), SCHEMATHESIS_SEED.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${TRIGGERFISH_BINARY:-.build/debug/triggerfish}
examples=${SCHEMATHESIS_MAX_EXAMPLES:-100}
seed=${SCHEMATHESIS_SEED:-$RANDOM}

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -KILL "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "error: $*" >&2
    if [ -s "$work/server.log" ]; then
        echo "-- the server's log (last 40 lines):" >&2
        tail -n 40 "$work/server.log" >&2
    fi
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$work/token"
chmod 600 "$work/token"
token=$(cat "$work/token")
mkdir "$work/state"

# The port is free when chosen but another process may take it before the server binds it: try a
# few ports. Readiness is polled; 120 s is only an upper bound for a busy machine.
ready=""
for attempt in 1 2 3; do
    port=$(free_port)
    "$binary" serve --config config/default.yaml --port "$port" --token-file "$work/token" \
        --state-dir "$work/state" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 1200); do
        if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/readyz" 2>/dev/null; then
            ready=yes
            break
        fi
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$ready" ] && break
    if kill -0 "$server" 2>/dev/null; then
        fail "the server did not become ready on port $port within 120 s"
    fi
    wait "$server" || true
    server=""
    echo "the server exited before it was ready on port $port (attempt $attempt)" >&2
done
[ -n "$ready" ] || fail "the server did not start"
echo "server ready on 127.0.0.1:$port (pid $server); schemathesis with $examples examples, seed $seed"

status=0
timeout 600 schemathesis --config-file .ci/schemathesis.toml run docs/openapi.yaml \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$examples" --seed "$seed" \
    --workers 2 --request-timeout 10 --generation-database none --no-color \
    || status=$?

kill -TERM "$server" 2>/dev/null || fail "the server died during the run"
exited=""
for _ in $(seq 1 600); do
    if ! kill -0 "$server" 2>/dev/null; then
        exited=yes
        break
    fi
    sleep 0.1
done
[ -n "$exited" ] || fail "the server did not exit within 60 s of SIGTERM"
server_status=0
wait "$server" || server_status=$?
server=""
[ "$status" -eq 0 ] || fail "schemathesis failed (exit $status; seed $seed reproduces it)"
[ "$server_status" -eq 0 ] || fail "the server exited $server_status after SIGTERM instead of 0"
echo "schemathesis passed and the server exited 0 on SIGTERM"
