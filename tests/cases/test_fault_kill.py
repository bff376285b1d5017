"""Fault test of the correction channel: the application server is killed (SIGKILL, the whole
gunicorn process group) while 200 submissions are in flight from a load script on loopback.

What must hold: every submission that received a reference exists in the database afterwards,
none exists twice, and retrying every submission with its Idempotency-Key after a restart gives
each one exactly one case — the same reference for those already answered.

The server runs on its own database (a temporary SQLite file, or a new database on the
PostgreSQL cluster of DATABASE_URL), set up and inspected by subprocesses (fault/tool.py), so
the test is independent of pytest-django's test database."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = 200
CLIENTS = 20
KILL_AFTER = 40  # answered submissions before the kill: the rest are in flight or not sent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A database of its own for the server: SQLite file, or a fresh PostgreSQL database."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'fault.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(base)
    name = f"bonnefoi_fault_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        dbname=parts.path.lstrip("/") or "postgres",
        user=parts.username or "postgres",
        host=unquote(parts.hostname or "") or None,
        port=parts.port,
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _env(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.cases.fault.settings",
        "PYTHONPATH": str(ROOT),
    }


def _tool(command: str, database_url: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(ROOT / "tests/cases/fault/tool.py"), command],
        env=_env(database_url),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return result.stdout.strip().splitlines()[-1]


def _start_server(database_url: str, port: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, env=_env(database_url), start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError(f"gunicorn n'a pas démarré : {log.read_text()[-2000:]}")


def _body(procedure: str, n: int) -> bytes:
    return json.dumps(
        {
            "procedure": procedure,
            "postal_code": "30900",
            "declared_value": f"J'ai déclaré {1000 + n} € de ressources pour le trimestre.",
            "declared_on": "2026-09-01",
            "correct_value": f"Mes ressources du trimestre étaient de {1200 + n} €.",
            "correct_since": "2026-09-01",
            "administration_asked": False,
            "contact_email": f"personne{n}@exemple.test",
            "consent": True,
        }
    ).encode()


def _submit(port: int, key: str, body: bytes) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/api/v1/cases/",
            body=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    reference = json.loads(payload).get("reference") if response.status in (200, 201) else None
    return response.status, reference


def _draft_hash(key: str) -> str:
    """The API opens the draft named "api:<key>" (bonnefoi/cases/api_public.py)."""
    return hashlib.sha256(f"api:{key}".encode()).hexdigest()


def test_sigkill_during_200_submissions_loses_nothing_and_duplicates_nothing(
    database_url, tmp_path
):
    """Kill the server mid-load: answered submissions all exist, none twice; after a restart,
    retrying every submission with its key yields exactly one case per key."""
    procedure = _tool("setup", database_url)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    server = _start_server(database_url, port, log)
    keys = [f"fault-{uuid.uuid4().hex}" for _ in range(SUBMISSIONS)]
    answered: dict[str, str] = {}  # key -> reference received before the kill
    failures: list[str] = []
    lock = threading.Lock()
    next_index = iter(range(SUBMISSIONS))
    killed = threading.Event()

    def client() -> None:
        while True:
            with lock:
                n = next(next_index, None)
            if n is None:
                return
            try:
                status, reference = _submit(port, keys[n], _body(procedure, n))
            except (OSError, http.client.HTTPException) as error:
                failures.append(f"{n}: {error.__class__.__name__}")
                continue
            if reference:
                with lock:
                    answered[keys[n]] = reference
                    if len(answered) >= KILL_AFTER and not killed.is_set():
                        killed.set()
                        os.killpg(server.pid, signal.SIGKILL)
            else:
                failures.append(f"{n}: HTTP {status}")

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        if not killed.is_set():
            os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)
    assert killed.is_set(), f"the server was never killed: {failures[:5]}"
    assert failures, "the kill interrupted nothing: the test proves nothing"

    stored = json.loads(_tool("check", database_url))["cases"]
    references = [case["reference"] for case in stored]
    drafts = [case["draft"] for case in stored]
    assert len(references) == len(set(references))
    assert None not in drafts
    assert len(drafts) == len(set(drafts)), "a submission was stored twice"
    missing = set(answered.values()) - set(references)
    assert not missing, f"answered but lost: {sorted(missing)[:5]}"

    # Restart and retry everything: the clients' "at least once" becomes "exactly once".
    server = _start_server(database_url, port, log)
    try:
        retried = {}
        for n, key in enumerate(keys):
            status, reference = _submit(port, key, _body(procedure, n))
            assert status in (200, 201), (n, status)
            retried[key] = reference
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    for key, reference in answered.items():
        assert retried[key] == reference
    stored = json.loads(_tool("check", database_url))["cases"]
    assert len(stored) == SUBMISSIONS
    assert {case["draft"] for case in stored} == {_draft_hash(key) for key in keys}
