"""Streaming batch evaluation: JSON Lines or CSV in, one JSON line out per input row.

Rows are read, evaluated and written one at a time, so memory does not grow with the number of
rows. A row that fails validation yields ``{"line": n, "errors": {...}}`` and the batch goes on.
"""

import csv
import json
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
    rows = _csv_rows(lines) if fmt == "csv" else _jsonl_rows(lines)
    dumps = json.dumps
    for number, row, error in rows:
        if error is not None:
            yield dumps({"line": number, "errors": error}, ensure_ascii=False)
            continue
        try:
            decision = evaluate(parse_situation(row))
        except SituationError as exc:
            yield dumps({"line": number, "errors": exc.errors}, ensure_ascii=False)
            continue
        if full:
            out = decision.to_json()
            out["line"] = number
            yield dumps(out, ensure_ascii=False)
        else:
            out = decision.summary()
            out["line"] = number
            yield dumps(out)  # compact form: ASCII-only keys and values


def _jsonl_rows(lines: Iterable[str]) -> Iterator[tuple]:
    loads = json.loads
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, loads(line), None
        except json.JSONDecodeError as exc:
            yield number, None, {"ligne": [f"JSON invalide (colonne {exc.colno}) : {exc.msg}."]}


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
