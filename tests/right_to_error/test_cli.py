"""`manage.py right_to_error`: one situation, streaming batches, the rule catalogue.

No test here is marked django_db: pytest-django refuses database access, so passing them proves
the command needs no (migrated) database.
"""

import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bonnefoi.right_to_error.management.commands.right_to_error import run_batch
from bonnefoi.right_to_error.openapi import GRANTED_GENERAL
from bonnefoi.rules import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
BAD_FIELD = {"sector": "impots", "dates": {"invitation": "14/03/2025"}}


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def _run(*args, stdin=None, stderr=None):
    stdout, stderr = io.StringIO(), stderr if stderr is not None else io.StringIO()
    options = {"stdout": stdout, "stderr": stderr}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command("right_to_error", *args, **options)
    return stdout.getvalue(), stderr.getvalue()


def _jsonl(*rows) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


def test_single_situation_from_a_file(tmp_path):
    """`evaluate FILE` prints the full decision, pretty-printed, with accents as such."""
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(GRANTED_GENERAL), encoding="utf-8")
    out, err = _run("evaluate", str(path))
    decision = json.loads(out)
    assert decision["right_to_error_applies"] is True
    assert decision["sanction"] == "waived"
    assert decision["trace"]
    assert decision["explanation"]["public"]
    assert out.startswith('{\n  "'), "indented for people"
    assert "é" in out, "UTF-8, not \\u escapes"
    assert err == ""


def test_single_situation_from_stdin():
    """`evaluate -` reads the situation from standard input."""
    out, _ = _run("evaluate", "-", stdin=json.dumps(GRANTED_GENERAL))
    assert json.loads(out)["regime"] == "general"


def test_invalid_situation_prints_french_messages_and_fails():
    """An invalid situation writes one French message per field on stderr and fails."""
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="Situation invalide : 2 champs à corriger"):
        _run("evaluate", "-", stdin=json.dumps(BAD_FIELD), stderr=stderr)
    messages = stderr.getvalue()
    assert "sector : Valeur inconnue 'impots'" in messages
    assert "dates.invitation : Date attendue au format AAAA-MM-JJ" in messages


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("evaluate", "-"), '{"sector": ', "JSON illisible à la ligne 1"),
        (("evaluate", "-"), "[1, 2]", "Situation invalide : 1 champ à corriger"),
        (("evaluate", "/nonexistent/situation.json"), None, "Lecture impossible"),
        (("evaluate", "-", "--full"), "{}", "--full ne sert qu'avec --batch"),
        (("evaluate", "-", "--output", "x.jsonl"), "{}", "--output ne sert qu'avec --batch"),
        (("evaluate", "--batch", "/nonexistent/batch.csv"), None, "Lecture impossible"),
    ],
)
def test_unusable_input_is_a_french_command_error(args, stdin, message):
    """Unreadable JSON, a non-object, a missing file or a batch-only option on a single
    situation stop the command with a French CommandError."""
    with pytest.raises(CommandError, match=message):
        _run(*args, stdin=stdin)


def _manage(*args, stdin: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **(env or {})}
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", "right_to_error", *args],
        input=stdin.encode(),
        capture_output=True,
        cwd=ROOT,
        env=environment,
        check=False,
        timeout=120,
    )


def test_real_process_writes_utf8_and_exits_non_zero_on_bad_input(tmp_path):
    """As a process, with an ASCII locale and a database that cannot even be created: the
    decision comes out in UTF-8 with exit 0; an invalid situation exits non-zero with French
    messages on stderr."""
    env = {
        "PYTHONIOENCODING": "ascii",
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
    }
    done = _manage("evaluate", "-", stdin=json.dumps(GRANTED_GENERAL), env=env)
    assert done.returncode == 0, done.stderr.decode()
    decision = json.loads(done.stdout.decode("utf-8"))
    assert "é" in decision["explanation"]["public"]

    failed = _manage("evaluate", "-", stdin=json.dumps(BAD_FIELD), env=env)
    assert failed.returncode != 0
    assert "Valeur inconnue" in failed.stderr.decode("utf-8", errors="replace")
    assert failed.stdout == b""


BATCH_ROWS = (
    GRANTED_GENERAL,
    "",
    '{"sector": ',
    BAD_FIELD,
    {"sector": "general", "error_kind": "material_error"},
)


def test_batch_jsonl_writes_one_line_per_row_and_reports_errors_inline(tmp_path):
    """JSON Lines batch: one output line per non-empty row, carrying its line number; rows in
    error give their French messages and the batch goes on; a French summary ends on stderr."""
    path = tmp_path / "situations.jsonl"
    path.write_text(_jsonl(*BATCH_ROWS), encoding="utf-8")
    out, err = _run("evaluate", "--batch", str(path))
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["line"] for line in lines] == [1, 3, 4, 5]
    assert lines[0]["right_to_error_applies"] is True
    assert "trace" not in lines[0], "the compact decision unless --full"
    assert "JSON invalide" in lines[1]["errors"]["ligne"][0]
    assert set(lines[2]["errors"]) == {"sector", "dates.invitation"}
    assert lines[3]["right_to_error_applies"] is None
    assert err.startswith("Terminé : 4 lignes évaluées, 2 en erreur, en ")
    assert err.rstrip().endswith("lignes/s).")


CSV = (
    "sector,error_kind,sanction_nature,first_time,regularised,bad_faith_established,"
    "fraud_established,exception_category,dates.error,dates.regularisation\n"
    "general,material_error,administrative_pecuniary,oui,spontaneously,non,non,none,"
    "2025-01-10,2025-02-03\n"
    "\n"
    "general,material_error,administrative_pecuniary,peut-être,spontaneously,non,non,none,,\n"
    "general,nope,,,,,,,,\n"
)


def test_batch_csv_from_the_extension_and_from_stdin(tmp_path):
    """CSV batch (format taken from the .csv extension, or --format csv on stdin): dotted
    headers fill nested facts, oui/non are booleans, empty lines are skipped, bad rows are
    reported with their line number."""
    path = tmp_path / "situations.csv"
    path.write_text(CSV, encoding="utf-8")
    from_file, err = _run("evaluate", "--batch", str(path))
    from_stdin, _ = _run("evaluate", "--batch", "-", "--format", "csv", stdin=CSV)
    assert from_file == from_stdin
    lines = [json.loads(line) for line in from_file.splitlines()]
    assert [line["line"] for line in lines] == [2, 4, 5]
    assert lines[0]["sanction"] == "waived"
    assert "oui ou non" in lines[1]["errors"]["first_time"][0]
    assert "Valeur inconnue" in lines[2]["errors"]["error_kind"][0]
    assert err.startswith("Terminé : 3 lignes évaluées, 2 en erreur")


def test_batch_full_and_output_file(tmp_path):
    """--full writes the whole decision (trace, explanations) and --output writes to a file,
    leaving stdout empty."""
    source = tmp_path / "in.jsonl"
    source.write_text(_jsonl(GRANTED_GENERAL, BAD_FIELD), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    out, err = _run("evaluate", "--batch", str(source), "--full", "--output", str(target))
    assert out == ""
    first, second = (json.loads(line) for line in target.read_text("utf-8").splitlines())
    assert first["trace"]
    assert first["explanation"]["agent"]
    assert first["articles"][0]["url"].startswith("https://")
    assert second == {"line": 2, "errors": second["errors"]}
    assert "Terminé : 2 lignes évaluées, 1 en erreur" in err


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    """Redirected stderr gets the summary line only: no progress bar, no control characters."""
    path = tmp_path / "in.jsonl"
    path.write_text(_jsonl(*[GRANTED_GENERAL] * 50), encoding="utf-8")
    _, err = _run("evaluate", "--batch", str(path))
    assert "\r" not in err
    assert "\033" not in err
    assert err.count("\n") == 1


def test_progress_bar_on_a_terminal_shows_a_percentage_for_a_file(tmp_path):
    """On a terminal, the bar shows the rows, the rate and, for a regular file, a percentage,
    redrawn at most ten times a second, then the summary."""
    path = tmp_path / "in.jsonl"
    path.write_text(_jsonl(*[GRANTED_GENERAL] * 3000), encoding="utf-8")
    terminal = FakeTerminal()
    started = time.monotonic()
    _run("evaluate", "--batch", str(path), "--output", str(tmp_path / "out.jsonl"), stderr=terminal)
    elapsed = time.monotonic() - started
    err = terminal.getvalue()
    redraws = err.count("\r")
    assert redraws >= 1
    assert redraws <= elapsed * 10 + 2
    assert "100.0 % · 3\u202f000 lignes" in err
    assert "lignes/s" in err
    assert err.splitlines()[-1].startswith("Terminé : 3\u202f000 lignes évaluées, 0 en erreur")


def test_progress_bar_on_stdin_counts_rows_without_percentage():
    """Reading a pipe, the size is unknown: the bar shows rows and rate, no percentage."""
    terminal = FakeTerminal()
    _run("evaluate", "--batch", "-", stdin=_jsonl(GRANTED_GENERAL, BAD_FIELD), stderr=terminal)
    bar = terminal.getvalue().split("\n")[0]
    assert bar.startswith("\r2 lignes · ")
    assert "%" not in bar


def test_batch_streams_rows_one_at_a_time():
    """The first result is written after reading one row, not after reading the whole input."""
    consumed = 0

    def rows():
        nonlocal consumed
        for _ in range(1000):
            consumed += 1
            yield json.dumps(GRANTED_GENERAL) + "\n"

    seen_when_written = []
    run_batch(rows(), lambda _line: seen_when_written.append(consumed), fmt="jsonl", full=False)
    assert seen_when_written[:3] == [1, 2, 3]
    assert len(seen_when_written) == 1000


def _peak_memory(tmp_path, rows: int) -> tuple[int, int]:
    source = tmp_path / f"in-{rows}.jsonl"
    line = json.dumps(GRANTED_GENERAL) + "\n"
    with source.open("w", encoding="utf-8") as handle:
        for _ in range(rows):
            handle.write(line)
    target = tmp_path / f"out-{rows}.jsonl"
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        _run("evaluate", "--batch", str(source), "--output", str(target))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(1 for _ in target.open(encoding="utf-8")) == rows
    return peak, source.stat().st_size


def test_batch_memory_does_not_grow_with_the_rows(tmp_path):
    """Evaluating 20,000 rows peaks at about the memory of 2,000 rows, far below the input
    size: the file is never read whole."""
    load_catalogue()
    _peak_memory(tmp_path, 10)  # warm-up: rule data and imports are loaded once
    small, _ = _peak_memory(tmp_path, 2_000)
    large, size = _peak_memory(tmp_path, 20_000)
    assert large < small + 256 * 1024, (small, large)
    assert large < size / 4, (large, size)


def test_rules_subcommand_prints_the_catalogue():
    """`right_to_error rules` prints every rule with all its versions and the rules version."""
    out, _ = _run("rules")
    payload = json.loads(out)
    catalogue = load_catalogue()
    assert payload["rules_version"] == catalogue.version
    assert [rule["id"] for rule in payload["rules"]] == list(catalogue.rules)
    versions = {v["id"] for rule in payload["rules"] for v in rule["versions"]}
    assert versions == {v.id for rule in catalogue.rules.values() for v in rule.versions}
    assert {sector["id"] for sector in payload["sectors"]} == set(catalogue.sectors)
