"""Benchmark: advice catalogue search latency and public pages throughput.

Fresh database (SQLite: a temporary file; PostgreSQL: the cluster of scripts/with-postgres.sh),
migrated; the real catalogue (bonnefoi/advice/content/*.yaml, `import_content`), grown to 10 000
published entries made of real texts (title + a situation, consequence and advice of one real
entry, fix of another of the same audience), inserted in bulk, indexed one by one through the real
`search_index_entry`. Then, in the same run:

1. search latency of >= 200 fixed, seeded queries (one word, two words, accented and unaccented,
   typos, audience and life-event filters) through `search_entries`: median and p95 (goal <= 30 ms);
2. requests/s under gunicorn on loopback (1 gthread worker, 4 threads: 2 cores, the load generator
   takes the other; settings benchmarks/bench_settings.py) of a trivial Django view (the baseline),
   entry pages, the API list and the widget by procedure, same keep-alive HTTP/1.1 client threads,
   same duration after a warm-up. Goal: >= 60 % of the trivial view.

Run:  python3 -m uv run --group bench python benchmarks/advice.py [--entries N] [--duration S]
      scripts/with-postgres.sh python3 -m uv run --group bench python benchmarks/advice.py
"""

import argparse
import atexit
import importlib.metadata
import os
import platform
import random
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
if not os.environ.get("BONNEFOI_DB_LABEL"):  # not under with-postgres.sh: a fresh SQLite file
    SCRATCH = tempfile.mkdtemp(prefix="bonnefoi-bench-")
    atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH}/advice.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.httpbench import get, load, start_gunicorn  # noqa: E402
from bonnefoi.advice.content import import_content  # noqa: E402
from bonnefoi.advice.models import ChangeKind, Entry, EntryStatus, EntryVersion  # noqa: E402
from bonnefoi.advice.search import (  # noqa: E402
    STOP_WORDS,
    normalize,
    search_entries,
    search_index_entry,
)
from bonnefoi.structures import demo, services  # noqa: E402

gunicorn_version = importlib.metadata.version("gunicorn")

SEED = 2026
REPEAT = 3
P95_GOAL_MS = 30.0
RATIO_GOAL = 0.60
CLIENTS = 4  # keep-alive connections, one per client thread
GUNICORN = ["--workers", "1", "--worker-class", "gthread", "--threads", "4"]
# Situations and places appended to the generated titles: real words, more vocabulary.
SITUATIONS_TEXT = """après un déménagement|pour mon enfant majeur|pendant un arrêt maladie|après une
    reprise d'activité|lors d'un changement d'employeur|pendant mes études|après un décès dans la
    famille|pendant un congé parental|avec un revenu irrégulier|après une période de chômage|avec
    une activité saisonnière|pour un logement en colocation|après la naissance de jumeaux|pendant
    une mission à l'étranger|pour une garde alternée|avec un emploi à temps partiel|après un
    divorce prononcé|pour ma première déclaration|avec des revenus fonciers|après une création
    d'entreprise|pendant une période d'essai|avec une pension d'invalidité|pour une résidence
    secondaire|après un licenciement économique|pendant un congé de maternité"""
PLACES_TEXT = """Besançon|Nîmes|Orléans|Saint-Étienne|Fort-de-France|Cayenne|Metz|Thionville|Sarreguemines|
    Pointe-à-Pitre|Saint-Denis|Montréal-la-Cluse|Évry-Courcouronnes|Châlons-en-Champagne|Angoulême|
    Béziers|Périgueux|Mâcon|Rodez|Aurillac|Guéret|Épinal|Colmar|Quimper|Saint-Brieuc|Vannes|Laval|
    Évreux|Alençon|Troyes|Chaumont|Bar-le-Duc|Montbéliard|Annecy|Chambéry|Grenoble|Valence|Privas|
    Mende|Foix|Tarbes|Pau|Mont-de-Marsan|Agen|Cahors|Albi|Montauban|Carcassonne|Perpignan|Ajaccio|
    Bastia|Digne-les-Bains|Gap|Toulon|Avignon|Arles|Lons-le-Saunier|Vesoul|Nevers|Auxerre"""
SITUATIONS = [" ".join(text.split()) for text in SITUATIONS_TEXT.split("|")]
PLACES = [" ".join(text.split()) for text in PLACES_TEXT.split("|")]


# --- catalogue --------------------------------------------------------------------------------


def build_catalogue(total: int, rng: random.Random) -> tuple[list[Entry], float]:
    """Real catalogue, then generated entries up to `total`; returns (real, index seconds)."""
    structures: dict = {}
    for key, kind, name, parent, sp_code, *_address in demo.STRUCTURES:
        structures[key] = services.structure_create(
            actor=None, kind=kind, name=name, parent=structures.get(parent), sp_code=sp_code
        )
    import_content()
    real = list(
        Entry.objects.published().prefetch_related(
            "life_events", "procedures", "owners", "legal_references"
        )
    )
    by_audience: dict[str, list[Entry]] = {}
    for entry in real:
        by_audience.setdefault(entry.audience, []).append(entry)
    today = timezone.localdate()
    new, sources = [], []
    for number in range(total - len(real)):
        base = rng.choice(real)
        other = rng.choice(by_audience[base.audience])
        situation, place = rng.choice(SITUATIONS), rng.choice(PLACES)
        owner = min(base.owners.all(), key=lambda s: s.path)
        new.append(
            Entry(
                slug=f"{base.slug[:100]}-{number:05d}",
                audience=base.audience,
                title=f"{base.title.rstrip('.')} {situation}",
                consequence=f"{base.consequence}\n\nSituation rencontrée à {place}.",
                advice=base.advice,
                fix=other.fix,
                example=base.example,
                links=base.links,
                rule_ids=base.rule_ids,
                status=EntryStatus.PUBLISHED,
                verified_on=today,
                verified_by=owner,
                review_by=today + timedelta(days=365),
            )
        )
        sources.append(base)
    with transaction.atomic():
        Entry.objects.bulk_create(new, batch_size=500)
        versions = [
            EntryVersion(
                entry=entry,
                number=1,
                change_kind=ChangeKind.MAJOR,
                change_note="Première publication.",
                content={
                    **{f: getattr(entry, f) for f in ("title", "consequence", "advice", "fix")},
                    **{"example": entry.example, "links": list(entry.links)},
                    "legal_references": base.current_version.content["legal_references"],
                    "rule_ids": list(entry.rule_ids),
                },
                verified_by=entry.verified_by,
            )
            for entry, base in zip(new, sources, strict=True)
        ]
        EntryVersion.objects.bulk_create(versions, batch_size=500)
        for entry, version in zip(new, versions, strict=True):
            entry.current_version = version
        Entry.objects.bulk_update(new, ["current_version"], batch_size=500)
        for relation in ("life_events", "procedures", "owners", "legal_references"):
            through = getattr(Entry, relation).through
            target = getattr(Entry, relation).field.m2m_reverse_field_name()
            rows = [
                through(entry_id=entry.pk, **{f"{target}_id": related.pk})
                for entry, base in zip(new, sources, strict=True)
                for related in getattr(base, relation).all()
            ]
            through.objects.bulk_create(rows, batch_size=1000)
    start = time.perf_counter()
    with transaction.atomic():
        for entry in new:
            search_index_entry(entry)
    index_s = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after such a load
    return real, index_s


# --- search queries ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _content_words(text: str) -> list[str]:
    return [
        w.lower()
        for w in _WORD.findall(text)
        if len(w) >= 5 and normalize(w) not in STOP_WORDS and "-" not in w
    ]


def _typo(word: str, rng: random.Random) -> str:
    """One edit after the first two letters (SQLite's fallback keeps those two)."""
    i = rng.randrange(2, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def build_queries(real: list[Entry], rng: random.Random) -> list[tuple[str, str, dict]]:
    """(category, query, filters), from the real entries' titles and texts."""
    titles = [(entry, _content_words(entry.title)) for entry in real]
    titles = [(entry, words) for entry, words in titles if len(words) >= 2]
    vocabulary = sorted({w for e in real for w in _content_words(e.title + " " + e.advice)})
    accented = [w for w in vocabulary if w != normalize(w)]
    known = {normalize(w) for w in vocabulary}
    queries = []
    for _ in range(60):
        queries.append(("un mot", rng.choice(rng.choice(titles)[1]), {}))
    for _ in range(60):
        queries.append(("deux mots", " ".join(rng.sample(rng.choice(titles)[1], 2)), {}))
    for _ in range(20):
        word = rng.choice(accented)
        queries.append(("accents", word, {}))
        queries.append(("accents", normalize(word), {}))
    long_words = [w for w in vocabulary if len(w) >= 7 and w == normalize(w)]
    while sum(1 for q in queries if q[0] == "faute de frappe") < 25:
        typo = _typo(rng.choice(long_words), rng)
        if typo not in known:
            queries.append(("faute de frappe", typo, {}))
    for _ in range(25):
        entry, words = rng.choice(titles)
        queries.append(("filtre public", rng.choice(words), {"audience": entry.audience}))
    for _ in range(25):
        entry, words = rng.choice(titles)
        event = rng.choice(list(entry.life_events.all())).slug
        queries.append(("filtre événement", rng.choice(words), {"life_event": event}))
    rng.shuffle(queries)
    return queries


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def measure_search(queries) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """({category: latencies in ms}, {category: result counts}) over REPEAT timed passes."""
    for _category, query, filters in queries:  # warm-up: caches, query plans
        search_entries(query, **filters)
    samples: dict[str, list[float]] = {}
    totals: dict[str, list[int]] = {}
    for _ in range(REPEAT):
        for category, query, filters in queries:
            start = time.perf_counter()
            results = search_entries(query, **filters)
            samples.setdefault(category, []).append((time.perf_counter() - start) * 1000)
            totals.setdefault(category, []).append(results.total)
    return samples, totals


# --- HTTP throughput --------------------------------------------------------------------------


def http_targets(rng: random.Random) -> dict[str, list[str]]:
    slugs = list(Entry.objects.published().order_by("slug").values_list("slug", flat=True))
    procedures = sorted(
        set(Entry.procedures.through.objects.values_list("procedure__slug", flat=True))
    )
    return {
        "vue triviale (référence)": ["/bench/trivial/"],
        "page d'un conseil": [f"/conseils/erreur/{slug}/" for slug in rng.sample(slugs, 200)],
        "API, liste par démarche": [f"/api/v1/advice/entries/?procedure={p}" for p in procedures],
        "widget par démarche": [f"/conseils/widget/?procedure={p}" for p in procedures],
    }


def measure_http(
    targets: dict[str, list[str]], duration: float, warmup: float, cache_seconds: int
) -> dict:
    connections.close_all()
    with socket.socket() as sock:  # a free port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="bonnefoi-gunicorn-", suffix=".log")[1])
    process = start_gunicorn(port, log, GUNICORN, {"PUBLIC_CACHE_SECONDS": str(cache_seconds)})
    try:
        # Every path is read once first, as its first reader would (with the cache on, this
        # stores it): the timed runs measure the steady state of a page read again and again.
        for paths in targets.values():
            for path in paths:
                status, body = get(port, path)
                if status != 200:
                    raise SystemExit(f"{path} : HTTP {status}\n{body[:500]!r}")
        results = {}
        # The baseline is measured first and again last: the mean of both is the reference.
        order = [*targets, next(iter(targets))]
        for position, name in enumerate(order):
            load(port, targets[name], warmup, CLIENTS)
            rate, errors = load(port, targets[name], duration, CLIENTS)
            if errors:
                raise SystemExit(f"{name} : {errors} réponses non 200 (journal : {log})")
            key = name if position < len(targets) else f"{name}, à la fin"
            results[key] = rate
        log.unlink()  # kept only when something went wrong
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- main -------------------------------------------------------------------------------------


def report_search(queries) -> bool:
    samples, totals = measure_search(queries)
    every = [value for values in samples.values() for value in values]
    empty = sum(1 for counts in totals.values() for count in counts if not count) // REPEAT
    print(f"\nRecherche : {len(queries)} requêtes × {REPEAT} passes chronométrées (+ 1 de chauffe)")
    print(f"  {empty} requête(s) sans résultat ; « résultats » : médiane des conseils trouvés")
    print(f"  {'catégorie':<18} {'n':>4} {'résultats':>9} {'médiane ms':>10} {'p95':>7} {'max':>7}")
    for category, values in [*sorted(samples.items()), ("toutes", every)]:
        found = statistics.median(totals.get(category) or [c for v in totals.values() for c in v])
        print(
            f"  {category:<18} {len(values):>4} {found:>9.0f} {statistics.median(values):>10.2f} "
            f"{p95(values):>7.2f} {max(values):>7.2f}"
        )
    ok = p95(every) <= P95_GOAL_MS
    print(f"  objectif p95 ≤ {P95_GOAL_MS:.0f} ms (toutes requêtes) : {'PASS' if ok else 'FAIL'}")
    return ok


def report_http(targets, duration: float, warmup: float, cache_seconds: int) -> list[bool]:
    rates = measure_http(targets, duration, warmup, cache_seconds)
    reference = next(iter(targets))
    baseline = (rates[reference] + rates[f"{reference}, à la fin"]) / 2
    mode = (
        f"cache des réponses publiques actif (PUBLIC_CACHE_SECONDS={cache_seconds}, réglage "
        "de production)"
        if cache_seconds
        else "cache des réponses publiques coupé (PUBLIC_CACHE_SECONDS=0) : chaque page rendue"
    )
    print(f"\nDébit sous gunicorn {gunicorn_version} ({' '.join(GUNICORN)}) ; {mode}")
    print(
        f"  {CLIENTS} connexions keep-alive, {duration:g} s par mesure après {warmup:g} s de chauffe"
    )
    print("  rapport : à la moyenne des deux mesures de la vue triviale (début et fin)")
    print(f"  {'cible':<36} {'chemins':>7} {'req/s':>7} {'rapport':>8}")
    for name, rate in rates.items():
        count = len(targets.get(name, [1]))
        print(f"  {name:<36} {count:>7} {rate:>7.0f} {rate / baseline:>8.1%}")
    if not cache_seconds:
        print("  (pour information : le coût d'une page rendue depuis la base, que paie le premier")
        print(
            "   lecteur après une modification ; l'objectif se juge cache actif, comme en production)"
        )
        return []
    verdicts = []
    for name in list(targets)[1:]:
        verdicts.append(rates[name] / baseline >= RATIO_GOAL)
        print(f"  objectif ≥ {RATIO_GOAL:.0%}, {name} : {'PASS' if verdicts[-1] else 'FAIL'}")
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0, help="secondes par mesure HTTP")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--skip-uncached", action="store_true", help="sans la mesure cache coupé (informative)"
    )
    args = parser.parse_args()
    rng = random.Random(SEED)  # noqa: S311 - a reproducible sample, not a secret

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        vendor = f"SQLite {connection.Database.sqlite_version}"
    else:
        vendor = os.environ.get("BONNEFOI_DB_LABEL") or f"PostgreSQL {connection.pg_version}"
    cpu = re.search(r"model name\s*: (.*)", Path("/proc/cpuinfo").read_text())
    cpu = cpu[1] if cpu else platform.machine()
    print(f"Machine : {cpu}, {os.cpu_count()} cœurs ; Python {platform.python_version()}")
    print(f"Django {django.get_version()} ; base : {vendor}")
    start = time.perf_counter()
    real, index_s = build_catalogue(args.entries, rng)
    real.sort(key=lambda entry: entry.slug)
    build_s = time.perf_counter() - start
    published = Entry.objects.published().count()
    print(
        f"Catalogue : {published} conseils publiés ({len(real)} réels), construit en {build_s:.0f} s"
    )
    print(f"  dont {index_s:.0f} s d'indexation, un conseil à la fois, par search_index_entry")
    verdicts = []
    if not args.skip_search:
        verdicts.append(report_search(build_queries(real, rng)))
    if not args.skip_http:
        targets = http_targets(rng)
        # The goal is judged as served in production (cache on); the cost of a page rendered
        # from the database (first reader after a change) is printed beside it.
        verdicts += report_http(targets, args.duration, args.warmup, 300)
        if not args.skip_uncached:
            report_http(targets, args.duration, args.warmup, 0)
    print(f"\nRésultat : {'PASS' if all(verdicts) else 'FAIL'}")


if __name__ == "__main__":
    main()
