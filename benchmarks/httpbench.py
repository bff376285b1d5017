"""HTTP load helpers shared by the benchmarks: gunicorn on loopback and keep-alive clients in
threads (Python's http.client), measuring requests per second and latencies. No Django here:
the server runs in its own process with the benchmark's settings and DATABASE_URL."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_gunicorn(
    port: int, log: Path, options: list[str], extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", *options, "--chdir", str(ROOT)]
    command += ["--error-logfile", str(log), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and args
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, "/bench/trivial/")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn n'a pas démarré : voir {log}")


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    status, body = response.status, response.read()
    conn.close()
    return status, body


def load(port: int, paths: list[str], duration: float, clients: int) -> tuple[float, int]:
    """`clients` threads, each a keep-alive connection sending GETs back to back (paths in
    turn) for `duration` seconds; returns (requests per second, non-200 answers)."""
    rate, errors, _latencies = run_clients(
        port,
        duration,
        clients,
        lambda index, i: ("GET", paths[(index + i) % len(paths)], None, {}),
        ok=(200,),
    )
    return rate, errors


Request = tuple[str, str, bytes | None, dict[str, str]]


def run_clients(
    port: int,
    duration: float,
    clients: int,
    request_for: Callable[[int, int], Request],
    ok: tuple[int, ...],
) -> tuple[float, int, list[float]]:
    """`clients` threads with a keep-alive connection each, sending `request_for(client, i)`
    back to back for `duration` seconds. Returns (requests per second, answers not in `ok`,
    latencies in ms of every request)."""
    counts, errors = [0] * clients, [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop_at = time.perf_counter() + duration

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while time.perf_counter() < stop_at:
            method, path, body, headers = request_for(index, i)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies[index].append((time.perf_counter() - started) * 1000)
            if response.status not in ok:
                errors[index] += 1
            if response.will_close:
                conn.close()
            counts[index] += 1
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return sum(counts) / elapsed, sum(errors), [ms for part in latencies for ms in part]
