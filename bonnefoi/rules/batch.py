"""Streaming batch evaluation: JSON Lines or CSV in, one JSON line out per input row.

Rows are read, evaluated and written one at a time, so memory does not grow with the number of
rows. A row that fails validation yields ``{"line": n, "errors": {...}}`` and the batch goes on.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator

from bonnefoi.rules.engine import evaluate
from bonnefoi.rules.situation import _TRUE_FALSE_FIELDS, SituationError, parse_situation

FORMATS = ("jsonl", "csv")
_CSV_BOOLEANS = {
    "true": True,
    "vrai": True,
    "oui": True,
    "1": True,
    "false": False,
    "faux": False,
    "non": False,
    "0": False,
}


def evaluate_lines(lines: Iterable[str], fmt: str = "jsonl", full: bool = False) -> Iterator[str]:
    """Yield one JSON line per situation (the compact decision, or the full one with ``full``)."""
    if fmt not in FORMATS:
        raise ValueError(f"Format inconnu {fmt!r} : « jsonl » ou « csv ».")
    if fmt == "jsonl" and not full:
        return _compact_jsonl(lines)
    return _evaluate_rows(_csv_rows(lines) if fmt == "csv" else _jsonl_rows(lines), full)


def _evaluate_rows(rows: Iterator[tuple], full: bool) -> Iterator[str]:
    for number, row, error in rows:
        if error is not None:
            yield _error_line(number, error)
            continue
        try:
            decision = evaluate(parse_situation(row))
        except SituationError as exc:
            yield _error_line(number, exc.errors)
            continue
        if full:
            out = decision.to_json()
            out["line"] = number
            yield json.dumps(out, ensure_ascii=False)
        else:
            yield decision.summary_json(number)


def _error_line(number: int, errors: dict) -> str:
    return json.dumps({"line": number, "errors": errors}, ensure_ascii=False)


def _compact_jsonl(lines: Iterable[str]) -> Iterator[str]:
    """JSON Lines in, compact decisions out: the batch hot path, in one loop (no row tuples).

    Same result as ``_evaluate_rows(_jsonl_rows(lines), full=False)``; a test checks it.
    """
    scan = _scan
    for number, line in enumerate(lines, start=1):
        try:
            # Same parser as json.loads without its Python wrapper; anything odd (blank line,
            # bad JSON, surrounding text) takes the slow path for its exact message.
            row, end = scan(line, 0)
            if end != len(line) and not line[end:].isspace():
                raise ValueError
        except (StopIteration, ValueError):
            if not line or line.isspace():
                continue
            row, error = _loads_or_error(line)
            if error is not None:
                yield _error_line(number, error)
                continue
        try:
            decision = evaluate(parse_situation(row))
        except SituationError as exc:
            yield _error_line(number, exc.errors)
            continue
        yield decision.summary_json(number)


def _loads_or_error(line: str) -> tuple:
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, {"ligne": [f"JSON invalide (colonne {exc.colno}) : {exc.msg}."]}


_scan = json.JSONDecoder().scan_once  # the C scanner json.loads ends up calling
_BLANK = re.compile(r"\s*")


def _jsonl_rows(lines: Iterable[str]) -> Iterator[tuple]:
    match_blank = _BLANK.match
    for number, line in enumerate(lines, start=1):
        if match_blank(line).end() == len(line):
            continue
        row, error = _loads_or_error(line)
        yield number, row, error


def _csv_rows(lines: Iterable[str]) -> Iterator[tuple]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    header = [name.strip() for name in header]
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            yield number, None, {"ligne": [f"{len(cells)} colonnes au lieu de {len(header)}."]}
            continue
        row: dict = {}
        errors: dict = {}
        for name, cell in zip(header, cells, strict=True):
            cell = cell.strip()
            if not cell:
                continue
            if name in _TRUE_FALSE_FIELDS:
                value = _CSV_BOOLEANS.get(cell.lower())
                if value is None:
                    errors[name] = [f"Réponse attendue : oui ou non (reçu {cell!r})."]
                    continue
            else:
                value = cell
            if "." in name:
                parent, leaf = name.split(".", 1)
                row.setdefault(parent, {})[leaf] = value
            else:
                row[name] = value
        yield number, (None if errors else row), (errors or None)
