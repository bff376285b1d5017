"""Benchmark: the right-to-error engine (``bonnefoi.rules``) against an openfisca-core model.

Measures, in one run pinned to one core (OpenMP / BLAS / numexpr threads set to 1):

1. single-situation latency: ``evaluate(parse_situation(d)).to_json()`` (median and p99 over
   20 000 calls) against an OpenFisca single-case simulation of the general regime (build a
   simulation for one person, calculate; median and p99 over 500 calls), on the same situations;
2. batch throughput and peak memory over 1 000 000 generated situations of every sector, written
   as JSON Lines to a temporary file and streamed through ``bonnefoi.rules.batch.evaluate_lines``
   (output lines written to /dev/null), and again over 100 000 rows to show memory flat in the
   number of rows; against OpenFisca vectorised over as many general-regime rows (numpy arrays).

The baseline is ``benchmarks/openfisca_right_to_error.py`` (the general regime, CRPA L123-1).
Before any timing, the script asserts that OpenFisca (single-case and vectorised) and our
engine give the same three-valued ``right_to_error_applies`` on random general-regime situations.

Each batch measurement runs in a fresh child process (same interpreter, same core), so that its
peak resident memory (``VmHWM``) is its own; our tracemalloc peak comes from another child that
runs the same rows traced (tracing slows the run down, so it is never the timed one). A JSON-only
pass over the same lines (``json.loads`` + ``json.dumps``) gives the I/O floor for reference.

Run:  python3 -m uv run --group bench python benchmarks/right_to_error.py
      ... --rows 200000     (batch size; the memory comparison also runs at rows / 10)
      ... --quick           (smoke run: 20 000 rows, fewer calls)
      ... --profile 50000   (cProfile of the batch path, top 15 by tottime, then exit)
"""

import os

# One core: no hidden thread pools (set before numpy is imported, by us or by openfisca-core).
for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bonnefoi
sys.path.insert(0, str(HERE))  # openfisca_right_to_error

GOAL_LATENCY_RATIO = 5.0  # ours at least 5x faster than OpenFisca single-case (medians)
GOAL_THROUGHPUT = 50_000  # situations per second, one core
FLAT_FACTOR, FLAT_SLACK_MIB = 1.25, 2.0  # peak(rows) <= 1.25 x peak(rows / 10) + 2 MiB
SEED = 20260301
COMMAND = "python3 -m uv run --group bench python benchmarks/right_to_error.py"

# --- Situation generator (JSON contract of issue 3) ---------------------------------------------

SECTORS = {
    "general": 26,
    "departement": 3,
    "commune": 2,
    "cpam": 2,
    "tax": 20,
    "urssaf": 15,
    "caf": 10,
    "cnav": 2,
    "france_travail": 8,
    "customs": 6,
    "dgccrf": 6,
}
ERROR_KINDS = {
    "material_error": 35,
    "misreading_rule": 30,
    "omitted_employee": 5,
    "missing_declaration": 8,
    "late_declaration": 8,
    "late_payment": 8,
    "deliberate_concealment": 6,
}
SANCTION_NATURES = {
    "administrative_pecuniary": 60,
    "benefit_withdrawal": 20,
    "penal": 8,
    "civil": 6,
    "contractual": 6,
}
EXCEPTION_CATEGORIES = {
    "none": 85,
    "eu_law": 3,
    "public_health_safety_environment": 3,
    "contract": 3,
    "regulator_professionals": 3,
    "international_convention": 3,
}
REGULARISED = {
    "spontaneously": 35,
    "after_invitation": 25,
    "after_invitation_within_deadline": 15,
    "after_invitation_after_deadline": 10,
    "not_regularised": 15,
}
DEADLINE_RULES = {"P30D": 30, "P1M": 25, "P2M": 10, "stated": 20, "next_declaration": 5, "none": 10}
DEPARTMENTS = ["01", "13", "2A", "33", "57", "59", "67", "68", "75", "971", "972", "973", "974"]
PRIOR_ACTS = {
    "none": 50,
    "mise_en_demeure": 5,
    "demande_L10": 5,
    "demande_L16": 5,
    "demande_L23A": 3,
    "proposition_de_rectification": 12,
    "avis_de_verification": 8,
    "verification_de_comptabilite": 6,
    "examen_de_comptabilite": 3,
    "esfp": 3,
}
PAYMENTS = {
    "paid_with_rectifying_declaration": 35,
    "paid_with_complementary_declaration": 20,
    "paid_by_due_date_on_notice": 20,
    "payment_plan_accepted": 15,
    "not_paid_no_plan": 10,
}
ESSOC = date(2018, 8, 12)


def _weighted(table: dict[str, int]):
    values, cumulative = list(table), list(itertools.accumulate(table.values()))
    return values, cumulative


_TABLES = {
    name: _weighted(table)
    for name, table in {
        "sector": SECTORS,
        "error_kind": ERROR_KINDS,
        "sanction_nature": SANCTION_NATURES,
        "exception_category": EXCEPTION_CATEGORIES,
        "regularised": REGULARISED,
        "deadline_rule": DEADLINE_RULES,
        "prior_administration_act": PRIOR_ACTS,
        "payment": PAYMENTS,
    }.items()
}


class Generator:
    """Seeded, varied situations; each fact is unknown (left out) with probability ``unknown``."""

    def __init__(self, seed: int, unknown: float = 0.08):
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data
        self.unknown = unknown

    def pick(self, table: str) -> str:
        values, cumulative = _TABLES[table]
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def known(self) -> bool:
        return self.rng.random() >= self.unknown

    def flag(self, probability_true: float) -> bool:
        return self.rng.random() < probability_true

    def day(self, start: date, spread_days: int) -> date:
        return start + timedelta(days=self.rng.randrange(spread_days))

    def situation(self, sector: str | None = None, *, calendar: bool = True) -> dict:
        """One situation. ``calendar=False`` (used for the OpenFisca comparison) leaves out the
        invitation and deadline facts, so that timeliness is the stated one, and always gives a
        sanction decision after ESSOC, so that the L123-1 version in force is known."""
        rng = self.rng
        sector = sector or self.pick("sector")
        s: dict = {"sector": sector}
        for name in ("error_kind", "sanction_nature", "exception_category", "regularised"):
            if self.known():
                s[name] = self.pick(name)
        if self.known():
            first_time = self.flag(0.7)
            if rng.random() < 0.7:
                s["first_time"] = first_time
            else:
                s["previous_error_same_rule"] = not first_time
        if self.known():
            s["bad_faith_established"] = self.flag(0.08)
        if self.known():
            s["fraud_established"] = self.flag(0.05)

        error = self.day(date(2018, 9, 1) if not calendar else date(2016, 1, 1), 2500)
        dates = {}
        if not calendar:
            regularisation = self.day(error, 400)
            dates["error"] = error.isoformat()
            dates["regularisation"] = regularisation.isoformat()
            dates["sanction_decision"] = self.day(regularisation, 200).isoformat()
        else:
            regularisation = self.day(error, 400)
            if s.get("regularised", "").startswith("after_invitation"):
                invitation = self.day(error, 300)
                dates["invitation"] = invitation.isoformat()
                rule = self.pick("deadline_rule")
                if rule == "stated":
                    dates["deadline_stated"] = self.day(invitation, 60).isoformat()
                elif rule == "next_declaration":
                    s["deadline_rule"] = rule
                    next_deadline = self.day(invitation + timedelta(days=10), 40)
                    dates["deadline_stated"] = next_deadline.isoformat()
                else:
                    s["deadline_rule"] = rule
                regularisation = self.day(invitation, 75)
                if self.known():
                    s["location"] = {"department": rng.choice(DEPARTMENTS)}
            for name, value in (
                ("error", error),
                ("regularisation", regularisation),
                ("sanction_decision", self.day(regularisation, 200)),
            ):
                if self.known():
                    dates[name] = value.isoformat()
        s["dates"] = dates
        extra = getattr(self, f"_{sector}", None)
        if extra is not None:
            extra(s, error, regularisation)
        return s

    def _booleans(self, s: dict, names: dict[str, float]) -> None:
        for name, probability_true in names.items():
            if self.known():
                s[name] = self.flag(probability_true)

    def _tax(self, s: dict, error: date, regularisation: date) -> None:
        rng = self.rng
        self._booleans(
            s,
            {
                "initial_declaration_on_time": 0.85,
                "initial_payment_on_time": 0.8,
                "proposition_de_rectification_received": 0.3,
            },
        )
        for name in ("prior_administration_act", "payment"):
            if self.known():
                s[name] = self.pick(name)
        if self.known():
            s["dates"]["rectifying_declaration"] = regularisation.isoformat()
        if rng.random() < 0.5:
            if self.known():
                s["days_from_receipt_to_request"] = rng.randrange(60)
            if self.known():
                s["days_from_request_to_complementary_declaration"] = rng.randrange(60)
        else:
            request = self.day(error, 600)
            s["dates"]["request"] = request.isoformat()
            s["dates"]["complementary_declaration"] = self.day(request, 60).isoformat()
        if self.known():
            s["tax_shortfall_eur"] = f"{rng.randrange(100, 5_000_000) / 100:.2f}"
        if self.known():
            s["months_of_interest"] = rng.randrange(1, 48)

    def _urssaf(self, s: dict, error: date, regularisation: date) -> None:
        rng = self.rng
        self._booleans(
            s,
            {
                "corrected_at_first_following_deadline": 0.6,
                "complement_paid_same_deadline": 0.8,
                "corrected_at_nearest_deadline_after_discovery": 0.8,
                "majorations_below_pmss": 0.7,
                "omitted_employee": 0.05,
                "repeated_pay_inaccuracies": 0.1,
                "declarations_on_time": 0.85,
                "payment_plan_within_30_days": 0.4,
                "late_payment_in_previous_24_months": 0.2,
            },
        )
        if self.known():
            s["regularising_payment_pct_of_initial"] = rng.randrange(0, 2000) / 100
        if self.known():
            s["days_late"] = rng.randrange(90)

    def _caf(self, s: dict, error: date, regularisation: date) -> None:
        if self.known():
            s["overpayment_eur"] = f"{self.rng.randrange(100, 2_000_000) / 100:.2f}"

    _cnav = _caf

    def _france_travail(self, s: dict, error: date, regularisation: date) -> None:
        self._booleans(s, {"very_short_activity": 0.3})

    def _customs(self, s: dict, error: date, regularisation: date) -> None:
        if self.known():
            s["duty_kind"] = "eu_own_resources" if self.flag(0.2) else "national_tax"
        self._booleans(s, {"declaration_on_time": 0.85, "payment_of_duties_and_interest": 0.8})

    def _dgccrf(self, s: dict, error: date, regularisation: date) -> None:
        self._booleans(s, {"gross_negligence_established": 0.1})


def write_jsonl(path: Path, rows: int, seed: int) -> float:
    """Stream ``rows`` situations to ``path``; returns the seconds spent."""
    generator = Generator(seed)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    start = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        for _ in range(rows):
            out.write(dumps(generator.situation()))
            out.write("\n")
    return time.perf_counter() - start


# --- Helpers -------------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident memory. ``VmHWM`` starts afresh at exec, unlike
    ``ru_maxrss``, which a child started by fork + exec inherits from its parent on Linux."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def three_valued(value) -> int:
    return {True: 1, False: 0, None: -1}[value]


def import_engine():
    try:
        from bonnefoi.rules import evaluate, parse_situation
        from bonnefoi.rules.batch import evaluate_lines
    except ImportError as exc:
        sys.exit(f"bonnefoi.rules is not available yet ({exc}).")
    return evaluate, parse_situation, evaluate_lines


# --- Child processes: one batch measurement each -------------------------------------------------


def child_ours(path: str, rows: int, traced: bool) -> dict:
    """Timed pass (and peak RSS), or, in another process, a traced pass (tracemalloc peak) that
    also checks that every row got a decision. Separate processes, so that neither pass starts
    with caches the other filled."""
    _, _, evaluate_lines = import_engine()
    with open(path, encoding="utf-8") as lines:  # warm-up: rule data, lazy imports
        for _ in evaluate_lines(itertools.islice(lines, 200), fmt="jsonl"):
            pass
    count = decided = 0
    if traced:
        tracemalloc.start()
    with open(path, encoding="utf-8") as lines, open(os.devnull, "w") as out:
        start = time.perf_counter()
        for line in evaluate_lines(itertools.islice(lines, rows), fmt="jsonl"):
            out.write(line)
            count += 1
            if traced:
                decided += '"right_to_error_applies"' in line
        seconds = time.perf_counter() - start
    if traced:
        return {"rows": count, "decided": decided, "traced_peak_mib": peak_traced_mib()}
    return {"rows": count, "seconds": seconds, "rss_peak_mib": peak_rss_mib()}


def peak_traced_mib() -> float:
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def child_json_floor(path: str, rows: int) -> dict:
    """Reference: the same stream with no evaluation, only ``json.loads`` and ``json.dumps``."""
    loads, dumps = json.loads, json.dumps
    count = 0
    with open(path, encoding="utf-8") as lines, open(os.devnull, "w") as out:
        start = time.perf_counter()
        for line in itertools.islice(lines, rows):
            out.write(dumps(loads(line)))
            count += 1
        seconds = time.perf_counter() - start
    return {"rows": count, "seconds": seconds}


def child_openfisca(rows: int, repeat: int = 3) -> dict:
    import openfisca_right_to_error as model

    system = model.build_system()
    model.evaluate_arrays(system, model.random_arrays(1000, seed=1))  # warm-up
    arrays = model.random_arrays(rows, seed=SEED)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = model.evaluate_arrays(system, arrays)
        timings.append(time.perf_counter() - start)
        del result
    rss_peak = peak_rss_mib()
    del arrays
    tracemalloc.start()  # inputs included: they are the batch, held in memory
    result = model.evaluate_arrays(system, model.random_arrays(rows, seed=SEED))
    return {
        "rows": len(result),
        "seconds": statistics.median(timings),
        "rss_peak_mib": rss_peak,
        "traced_peak_mib": peak_traced_mib(),
    }


def run_child(kind: str, rows: int, path: Path) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--rows", str(rows), "--input", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        sys.exit(f"child {kind} ({rows} rows) failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if "seconds" in figures:
        figures["per_second"] = figures["rows"] / figures["seconds"]
    return figures


# --- Agreement and latency (main process) --------------------------------------------------------


def check_agreement(count: int, engine, model, system) -> dict[int, int]:
    evaluate, parse_situation, _ = engine
    generator = Generator(SEED + 1, unknown=0.15)
    situations = [generator.situation("general", calendar=False) for _ in range(count)]
    ours = [
        three_valued(evaluate(parse_situation(s)).to_json()["right_to_error_applies"])
        for s in situations
    ]
    single = [model.evaluate_one(system, model.single_case_input(s)) for s in situations]
    vector = model.evaluate_arrays(system, model.input_arrays(situations)).tolist()
    disagreements = [
        (s, a, b, c)
        for s, a, b, c in zip(situations, ours, single, vector, strict=True)
        if not a == b == c
    ]
    for situation, a, b, c in disagreements[:5]:
        decision = evaluate(parse_situation(situation)).to_json()
        print(f"DISAGREE ours={a} openfisca single={b} vectorised={c}: {json.dumps(situation)}")
        print(f"  trace: {[(step['id'], step['result']) for step in decision['trace']]}")
    assert not disagreements, f"{len(disagreements)} of {count} situations disagree"
    return {value: ours.count(value) for value in (1, 0, -1)}


def latency_ours(engine, situations: list[dict], calls: int) -> list[int]:
    evaluate, parse_situation, _ = engine
    clock = time.perf_counter_ns
    for situation in situations[:1000]:  # warm-up
        evaluate(parse_situation(situation)).to_json()
    samples = []
    pool = itertools.islice(itertools.cycle(situations), calls)
    for situation in pool:
        start = clock()
        evaluate(parse_situation(situation)).to_json()
        samples.append(clock() - start)
    return samples


def latency_openfisca(model, system, situations: list[dict], calls: int) -> list[int]:
    cases = [model.single_case_input(s) for s in situations[:calls]]  # translation not timed
    clock = time.perf_counter_ns
    for case in cases[:20]:  # warm-up
        model.evaluate_one(system, case)
    samples = []
    for case in itertools.islice(itertools.cycle(cases), calls):
        start = clock()
        model.evaluate_one(system, case)
        samples.append(clock() - start)
    return samples


def profile_batch(rows: int) -> None:
    import cProfile
    import pstats

    _, _, evaluate_lines = import_engine()
    with tempfile.TemporaryDirectory(prefix="bench-rte-") as folder:
        path = Path(folder) / "situations.jsonl"
        write_jsonl(path, rows, SEED)
        with path.open(encoding="utf-8") as lines:  # warm-up: rule data, lazy imports
            for _ in evaluate_lines(itertools.islice(lines, 200), fmt="jsonl"):
                pass
        profiler = cProfile.Profile()
        with path.open(encoding="utf-8") as lines, open(os.devnull, "w") as out:
            profiler.enable()
            for line in evaluate_lines(lines, fmt="jsonl"):
                out.write(line)
            profiler.disable()
    print(f"cProfile of evaluate_lines over {rows} generated rows, top 15 by tottime:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


# --- Report --------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores (run pinned to 1), Python {platform.python_version()}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def flat(big: float, small: float) -> bool:
    return big <= FLAT_FACTOR * small + FLAT_SLACK_MIB


def times(ratio: float) -> str:
    return f"{ratio:.1f}×" if ratio >= 1 else f"1/{1 / ratio:.0f}"


def number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="smoke run (20 000 rows)")
    parser.add_argument("--profile", type=int, metavar="ROWS", help="cProfile the batch path")
    parser.add_argument(
        "--child", choices=["ours", "ours-traced", "openfisca", "json"], help=argparse.SUPPRESS
    )
    parser.add_argument("--input", help=argparse.SUPPRESS)
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})  # one core, inherited by the child processes

    if args.child in {"ours", "ours-traced"}:
        print(json.dumps(child_ours(args.input, args.rows, traced=args.child == "ours-traced")))
        return
    if args.child == "json":
        print(json.dumps(child_json_floor(args.input, args.rows)))
        return
    if args.child == "openfisca":
        print(json.dumps(child_openfisca(args.rows)))
        return
    if args.profile:
        profile_batch(args.profile)
        return

    rows = 20_000 if args.quick and args.rows == 1_000_000 else args.rows
    small = max(1, rows // 10)
    agree_count, calls_ours, calls_openfisca = (
        (200, 2_000, 100) if args.quick else (500, 20_000, 500)
    )

    engine = import_engine()
    from importlib.metadata import version

    import numpy
    import openfisca_right_to_error as model

    of_version = version("openfisca-core")
    system = model.build_system()
    print(f"openfisca-core {of_version}, numpy {numpy.__version__}")

    counts = check_agreement(agree_count, engine, model, system)
    print(
        f"Agreement on {agree_count} general-regime situations (ours = OpenFisca single-case = "
        f"OpenFisca vectorised): granted {counts[1]}, refused {counts[0]}, "
        f"indeterminate {counts[-1]}"
    )

    generator = Generator(SEED + 2)
    general = [generator.situation("general", calendar=False) for _ in range(2000)]
    mixed = [generator.situation() for _ in range(2000)]
    ours_ns = latency_ours(engine, general, calls_ours)
    ours_mixed_ns = latency_ours(engine, mixed, calls_ours)
    openfisca_ns = latency_openfisca(model, system, general, calls_openfisca)
    latency = {
        "ours": (statistics.median(ours_ns) / 1000, percentile(ours_ns, 0.99) / 1000),
        "ours_mixed": (
            statistics.median(ours_mixed_ns) / 1000,
            percentile(ours_mixed_ns, 0.99) / 1000,
        ),
        "openfisca": (
            statistics.median(openfisca_ns) / 1000,
            percentile(openfisca_ns, 0.99) / 1000,
        ),
    }
    print(f"Latency done ({calls_ours} + {calls_ours} calls ours, {calls_openfisca} OpenFisca)")

    with tempfile.TemporaryDirectory(prefix="bench-rte-") as folder:
        path = Path(folder) / "situations.jsonl"
        generation_s = write_jsonl(path, rows, SEED)
        size_mib = path.stat().st_size / 2**20
        print(
            f"Generated {rows} situations ({size_mib:.0f} MiB JSON Lines) in {generation_s:.1f} s"
        )
        batch = {}
        for kind in ("ours", "openfisca"):
            for count in (small, rows):
                batch[kind, count] = run_child(kind, count, path)
                print(f"  batch {kind} {count} rows: {batch[kind, count]['per_second']:.0f}/s")
                if kind == "ours":
                    batch[kind, count] |= run_child("ours-traced", count, path)
        batch["json", rows] = run_child("json", rows, path)
    for count in (small, rows):
        figures = batch["ours", count]
        assert figures["rows"] == count, figures
        assert figures["decided"] == count, f"{count - figures['decided']} rows without decision"

    ratio = latency["openfisca"][0] / latency["ours"][0]
    ratio_p99 = latency["openfisca"][1] / latency["ours"][1]
    big_ours, small_ours = batch["ours", rows], batch["ours", small]
    big_of, small_of = batch["openfisca", rows], batch["openfisca", small]
    flat_ours = flat(big_ours["traced_peak_mib"], small_ours["traced_peak_mib"]) and flat(
        big_ours["rss_peak_mib"], small_ours["rss_peak_mib"]
    )
    flat_of = flat(big_of["traced_peak_mib"], small_of["traced_peak_mib"]) and flat(
        big_of["rss_peak_mib"], small_of["rss_peak_mib"]
    )
    n, m = number(rows), number(small)

    def memory(figures: dict) -> str:
        return f"{figures['traced_peak_mib']:.1f} / {figures['rss_peak_mib']:.0f}"

    lines = [
        f"| measure | bonnefoi.rules | OpenFisca {of_version} | speed, ours ÷ OpenFisca | goal | result |",
        "|---|---:|---:|---:|---|---|",
        f"| single case, median (µs) | {latency['ours'][0]:.1f} | {latency['openfisca'][0]:.0f} "
        f"| {times(ratio)} | ours ≥ {GOAL_LATENCY_RATIO:.0f}× faster | "
        f"{verdict(ratio >= GOAL_LATENCY_RATIO)} |",
        f"| single case, p99 (µs) | {latency['ours'][1]:.1f} | {latency['openfisca'][1]:.0f} "
        f"| {times(ratio_p99)} | — | — |",
        f"| single case, all sectors, median / p99 (µs) | {latency['ours_mixed'][0]:.1f} / "
        f"{latency['ours_mixed'][1]:.1f} | — | — | — | — |",
        f"| batch, {n} rows (situations/s) | {number(big_ours['per_second'])} "
        f"| {number(big_of['per_second'])} | {times(big_ours['per_second'] / big_of['per_second'])} "
        f"| ours ≥ {number(GOAL_THROUGHPUT)}/s | "
        f"{verdict(big_ours['per_second'] >= GOAL_THROUGHPUT)} |",
        f"| reference: same {n} lines, json.loads + json.dumps only (lines/s) "
        f"| {number(batch['json', rows]['per_second'])} | — | — | — | — |",
        f"| batch, {m} rows (situations/s) | {number(small_ours['per_second'])} "
        f"| {number(small_of['per_second'])} | — | — | — |",
        f"| peak memory, {m} rows: tracemalloc peak / peak RSS (MiB) | {memory(small_ours)} "
        f"| {memory(small_of)} | — | — | — |",
        f"| peak memory, {n} rows: tracemalloc peak / peak RSS (MiB) | {memory(big_ours)} "
        f"| {memory(big_of)} | — | flat in rows (ours) | {verdict(flat_ours)} |",
        f"| memory flat ({n} vs {m} rows) | {'yes' if flat_ours else 'no'} "
        f"| {'yes' if flat_of else 'no'} | — | ≤ {FLAT_FACTOR}× + {FLAT_SLACK_MIB:.0f} MiB | — |",
    ]
    print()
    print(f"Command: {COMMAND}" + (" --quick" if args.quick else ""))
    if not args.quick and rows != 1_000_000:
        print(f"         (with --rows {rows})")
    print(f"Machine: {machine()}")
    print(
        f"Inputs: ours = {n} JSON Lines of every sector (file streamed, outputs to /dev/null); "
        f"OpenFisca = {n} general-regime rows as numpy arrays in memory (median of 3 runs)."
    )
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
