"""Benchmark of the correction channel: submissions under gunicorn, decision letters.

1. Submission throughput and latency: POST /api/v1/cases/ (the public submission API, same
   checks as the form: a draft, a case, its first event, the audit line, the receipt e-mail
   queued as a task) under gunicorn on loopback, each request with its own Idempotency-Key, as
   a ratio to a trivial Django view served by the same server in the same run.
2. Decision letter rendering (HTML + PDF/UA with WeasyPrint), median and p95 over N letters,
   in this process.

Run on PostgreSQL (the issue's target) with scripts/with-postgres.sh; without it, a fresh
SQLite file. Prints the figures; exits 0 (there is no numeric goal for these in issue 5).
"""

from __future__ import annotations

import argparse
import atexit
import importlib.metadata
import itertools
import json
import os
import platform
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
SCRATCH = tempfile.mkdtemp(prefix="bonnefoi-bench-cases-")
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.environ["CASE_FILES_ROOT"] = f"{SCRATCH}/case_files"
if not os.environ.get("BONNEFOI_DB_LABEL"):  # not under with-postgres.sh: a fresh SQLite file
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH}/cases.sqlite3"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from benchmarks.httpbench import load, run_clients, start_gunicorn  # noqa: E402
from bonnefoi.advice.models import Procedure  # noqa: E402
from bonnefoi.cases import letters, services  # noqa: E402
from bonnefoi.cases.models import Case, Letter, Outcome  # noqa: E402
from bonnefoi.structures import services as structure_services  # noqa: E402
from bonnefoi.structures.models import StructureKind  # noqa: E402

GUNICORN = ["--workers", "1", "--worker-class", "gthread", "--threads", "4"]
CLIENTS = 4
SITUATION = {
    "sector": "caf",
    "location": {"department": "30"},
    "error_kind": "material_error",
    "sanction_nature": "administrative_pecuniary",
    "regularised": "spontaneously",
    "exception_category": "none",
    "bad_faith_established": False,
    "fraud_established": False,
    "dates": {"error": "2026-01-10", "regularisation": "2026-02-01"},
}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def build_world():
    network = structure_services.structure_create(
        actor=None, kind=StructureKind.NETWORK, name="Caisses d'allocations familiales"
    )
    gard = structure_services.structure_create(
        actor=None,
        kind=StructureKind.ADMINISTRATION,
        name="CAF du Gard",
        parent=network,
        street_address="365 rue Alphonse Daudet",
        postal_code="30000",
        city="Nîmes",
        commune_insee="30189",
    )
    procedure = Procedure.objects.create(
        slug="declarer-ses-ressources-trimestrielles",
        title="Déclarer ses ressources trimestrielles",
        online_service_url="https://www.caf.fr/",
        engine_sector="caf",
    )
    procedure.owners.set([network])
    agent = structure_services.agent_create(
        actor=None,
        structure=gard,
        email="agent.bench@exemple.test",
        first_name="Camille",
        last_name="Durand",
        position="Gestionnaire conseil",
        password=None,
    )
    return procedure, agent.user


def submission(procedure_slug: str, n: int) -> bytes:
    return json.dumps(
        {
            "procedure": procedure_slug,
            "postal_code": "30900",
            "declared_value": f"J'ai déclaré {1000 + n % 900} € de ressources pour le trimestre.",
            "declared_on": "2026-09-01",
            "correct_value": f"Mes ressources étaient de {1200 + n % 900} € (une prime oubliée).",
            "correct_since": "2026-09-01",
            "administration_asked": False,
            "contact_email": f"personne{n}@exemple.test",
            "consent": True,
        }
    ).encode()


def measure_http(procedure_slug: str, duration: float, warmup: float) -> dict:
    connections.close_all()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="bonnefoi-gunicorn-", suffix=".log")[1])
    process = start_gunicorn(port, log, GUNICORN)
    counter = itertools.count()

    def post(_client: int, _i: int):
        n = next(counter)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"bench-{uuid.uuid4().hex}",
        }
        return ("POST", "/api/v1/cases/", submission(procedure_slug, n), headers)

    try:
        results = {}
        load(port, ["/bench/trivial/"], warmup, CLIENTS)
        results["trivial"] = load(port, ["/bench/trivial/"], duration, CLIENTS)[0]
        run_clients(port, warmup, CLIENTS, post, ok=(201,))
        rate, errors, latencies = run_clients(port, duration, CLIENTS, post, ok=(201,))
        if errors:
            raise SystemExit(f"{errors} soumissions refusées (journal : {log})")
        results["submit"] = (rate, latencies)
        results["trivial_end"] = load(port, ["/bench/trivial/"], duration, CLIENTS)[0]
        log.unlink()
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_letters(procedure: Procedure, user, count: int) -> list[float]:
    """Decide `count` cases (letters pending), then time render_letter on each (ms)."""
    letter_ids = []
    for n in range(count):
        draft = services.draft_for(f"bench-letter-{n}")
        case, _ = services.case_submit(
            draft=draft,
            declaration=services.Declaration(
                procedure=procedure,
                postal_code="30900",
                declared_value="J'ai déclaré 1 800 € de salaire pour le trimestre.",
                declared_on=date(2026, 9, 1),
                correct_value="Mon salaire du trimestre était de 2 100 €.",
                correct_since=date(2026, 9, 1),
                contact_email=f"lettre{n}@exemple.test",
            ),
        )
        case = services.case_take(case=case, user=user, expected_version=None)
        decision = services.case_decide(
            case=case,
            user=user,
            data=services.DecisionInput(
                outcome=Outcome.GRANTED,
                situation=SITUATION,
                motivation="Vous avez corrigé de vous-même une erreur matérielle.",
                sums_due_eur="300.00",
            ),
            expected_version=None,
        )
        letter_ids.append(decision.letter.pk)
    timings = []
    for letter_id in letter_ids:
        started = time.perf_counter()
        letters.render_letter(letter_id)
        timings.append((time.perf_counter() - started) * 1000)
    ready = Letter.objects.filter(pk__in=letter_ids, status="ready").count()
    if ready != count:
        raise SystemExit(f"{count - ready} courrier(s) non produits")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="secondes par mesure HTTP")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--letters", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        vendor = f"SQLite {connection.Database.sqlite_version}"
    else:
        vendor = os.environ.get("BONNEFOI_DB_LABEL") or f"PostgreSQL {connection.pg_version}"
    cpu = re.search(r"model name\s*: (.*)", Path("/proc/cpuinfo").read_text())
    print(f"Machine : {cpu[1] if cpu else platform.machine()}, {os.cpu_count()} cœurs ; ", end="")
    print(f"Python {platform.python_version()} ; Django {django.get_version()} ; base : {vendor}")
    print(f"Tâches : {settings.TASKS['default']['BACKEND']} (comme en production)")
    procedure, user = build_world()

    results = measure_http(procedure.slug, args.duration, args.warmup)
    baseline = (results["trivial"] + results["trivial_end"]) / 2
    rate, latencies = results["submit"]
    gunicorn_version = importlib.metadata.version("gunicorn")
    print(
        f"\nSoumissions sous gunicorn {gunicorn_version} ({' '.join(GUNICORN)}), {CLIENTS} clients"
    )
    print(
        f"  vue triviale, début / fin : {results['trivial']:.0f} / {results['trivial_end']:.0f} req/s"
    )
    print(
        f"  POST /api/v1/cases/ : {rate:.0f} soumissions/s ({rate / baseline:.1%} de la vue "
        f"triviale) ; latence médiane {statistics.median(latencies):.1f} ms, "
        f"p95 {p95(latencies):.1f} ms, max {max(latencies):.1f} ms ({len(latencies)} requêtes)"
    )
    print(f"  dossiers créés : {Case.objects.count()}")

    timings = measure_letters(procedure, user, args.letters)
    weasyprint_version = importlib.metadata.version("weasyprint")
    print(
        f"\nCourriers de décision (HTML + PDF/UA, WeasyPrint {weasyprint_version}), {len(timings)} courriers"
    )
    print(
        f"  médiane {statistics.median(timings):.0f} ms, p95 {p95(timings):.0f} ms, "
        f"max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main()
