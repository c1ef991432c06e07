#!/usr/bin/env python3
"""Soak of `triggerfish serve`'s live path (issue 12), driven by Benchmarks/soak.sh.

Sends the workload's kubewatch and Alertmanager bodies to a running server at a steady rate
while the webhook receiver its findings go to is, in turns, answering, slow, down and answering
500. Every minute it prints requests sent and answered (2xx, 503, other, errors), p50/p99
latency (from when each request was due, so a stalled server cannot hide its delay) and the
server's RSS. At the end it waits for the server's queue to drain and compares the inputs the
server accepted with the inputs it handled, from the server's own counters: lost = accepted -
handled, which must be 0.

Only the standard library: it runs wherever Python 3 does.
"""
import argparse
import http.client
import http.server
import json
import os
import socketserver
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


class Receiver:
    """The webhook sink's receiver. Phases, each `phase_seconds` long, in turn: ok (200), slow
    (answers 200 after `slow_seconds`), down (not listening: connections are refused) and error
    (500)."""

    PHASES = ["ok", "slow", "down", "error"]

    def __init__(self, port, phase_seconds, slow_seconds):
        self.port = port
        self.phase_seconds = phase_seconds
        self.slow_seconds = slow_seconds
        self.phase = "ok"
        self.received = {phase: 0 for phase in self.PHASES}
        self.lock = threading.Lock()
        self.server = None
        self.stopped = threading.Event()

    def handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                phase = receiver.phase
                with receiver.lock:
                    receiver.received[phase] += 1
                if phase == "slow":
                    time.sleep(receiver.slow_seconds)
                status = 500 if phase == "error" else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def listen(self):
        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", self.port), self.handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def run(self):
        self.listen()
        index = 0
        while not self.stopped.wait(self.phase_seconds):
            index += 1
            phase = self.PHASES[index % len(self.PHASES)]
            if phase == "down":
                self.close()
            elif self.server is None:
                self.listen()
            self.phase = phase
            print(f"  receiver: {phase}", flush=True)
        self.close()


def metrics(base):
    connection = http.client.HTTPConnection(base[0], base[1], timeout=10)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        series, _, value = line.rpartition(" ")
        values[series] = float(value)
    return values


def total(values, name, **labels):
    """The sum of a metric's series whose labels include `labels`."""
    result = 0.0
    for series, value in values.items():
        if series == name or series.startswith(name + "{"):
            if all(f'{key}="{label}"' in series for key, label in labels.items()):
                result += value
    return result


def resident(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the server's port")
    parser.add_argument("--pid", type=int, required=True, help="the server's process id (for RSS)")
    parser.add_argument("--receiver-port", type=int, required=True)
    parser.add_argument("--pods", required=True)
    parser.add_argument("--alerts", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=100, help="requests per second")
    parser.add_argument("--phase-seconds", type=float, default=120)
    parser.add_argument("--slow-seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()

    def lines(path, limit):
        bodies = []
        with open(path, "rb") as file:
            for line in file:
                bodies.append(line.rstrip(b"\n"))
                if len(bodies) >= limit:
                    break
        return bodies

    pods = lines(args.pods, 4000)
    alerts = lines(args.alerts, 1000)
    receiver = Receiver(args.receiver_port, args.phase_seconds, args.slow_seconds)
    threading.Thread(target=receiver.run, daemon=True).start()

    base = ("127.0.0.1", args.port)
    local = threading.local()
    lock = threading.Lock()
    minute = {"sent": 0, "2xx": 0, "503": 0, "other": 0, "errors": 0, "latencies": []}
    totals = {"sent": 0, "2xx": 0, "503": 0, "other": 0, "errors": 0}

    def send(path, body, due):
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(*base, timeout=60)
        outcome = "errors"
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            code = response.status
            outcome = "2xx" if 200 <= code < 300 else "503" if code == 503 else "other"
        except (OSError, http.client.HTTPException):
            connection.close()
            local.connection = None
        latency = time.monotonic() - due
        with lock:
            minute[outcome] += 1
            totals[outcome] += 1
            minute["latencies"].append(latency)

    start_rss, _ = resident(args.pid)
    print(
        f"soak: {args.rate:.0f} requests/s for {args.minutes:g} min (4 of 5 kubewatch, 1 of 5 Alertmanager), "
        f"receiver phases of {args.phase_seconds:g} s (ok, slow {args.slow_seconds:g} s, down, 500); "
        f"server RSS at start {start_rss:.1f} MiB",
        flush=True,
    )
    print(" min   sent    2xx    503  other errors   p50 ms   p99 ms  RSS MiB", flush=True)
    pool = ThreadPoolExecutor(max_workers=args.clients)
    began = time.monotonic()
    end = began + args.minutes * 60
    interval = 1 / args.rate
    next_report = began + 60
    sent = 0
    p99s = []
    while True:
        due = began + sent * interval
        now = time.monotonic()
        if due >= end:
            break
        if due > now:
            time.sleep(due - now)
        if sent % 5 == 4:
            pool.submit(send, "/api/alerts", alerts[(sent // 5) % len(alerts)], due)
        else:
            pool.submit(send, "/api/handle", pods[sent % len(pods)], due)
        sent += 1
        with lock:
            minute["sent"] += 1
            totals["sent"] += 1
        if time.monotonic() >= next_report:
            next_report += 60
            with lock:
                row = dict(minute)
                minute.update({"sent": 0, "2xx": 0, "503": 0, "other": 0, "errors": 0, "latencies": []})
            rss, _ = resident(args.pid)
            p99 = percentile(row["latencies"], 0.99) * 1000
            p99s.append(p99)
            print(
                f"{len(p99s):4d} {row['sent']:6d} {row['2xx']:6d} {row['503']:6d} {row['other']:6d} {row['errors']:6d} "
                f"{percentile(row['latencies'], 0.5) * 1000:8.2f} {p99:8.2f} {rss:8.1f}",
                flush=True,
            )
    pool.shutdown(wait=True)
    # The server handles what it accepted; wait until its queue is empty.
    deadline = time.monotonic() + 300
    while metrics(base).get("triggerfish_queue_depth", 0) > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    values = metrics(base)
    end_rss, peak_rss = resident(args.pid)
    receiver.stopped.set()
    accepted = total(values, "triggerfish_requests_accepted_total")
    handled = total(values, "triggerfish_input_duration_seconds_count")
    rejected = total(values, "triggerfish_requests_rejected_total")
    summary = {
        "sent": totals["sent"],
        "answered_2xx": totals["2xx"],
        "answered_503": totals["503"],
        "answered_other": totals["other"],
        "client_errors": totals["errors"],
        "server_accepted": int(accepted),
        "server_handled": int(handled),
        "server_rejected": int(rejected),
        "lost": int(accepted - handled),
        "sink_delivered": int(total(values, "triggerfish_sink_deliveries_total", outcome="delivered")),
        "sink_failed": int(total(values, "triggerfish_sink_deliveries_total", outcome="failed")),
        "sink_dropped": int(total(values, "triggerfish_sink_deliveries_total", outcome="dropped")),
        "receiver_requests_by_phase": receiver.received,
        "rss_start_mib": round(start_rss, 1),
        "rss_end_mib": round(end_rss, 1),
        "rss_peak_mib": round(peak_rss, 1),
        "p99_ms_by_minute": [round(value, 2) for value in p99s],
    }
    print(json.dumps(summary, indent=2), flush=True)
    ok = summary["lost"] == 0 and summary["server_accepted"] == summary["answered_2xx"]
    if not ok:
        print("error: inputs were lost, or the server's count of accepted inputs differs from the 2xx answers", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
