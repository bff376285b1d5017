"""Right-to-error engine on the command line (no database needed).

    manage.py right_to_error evaluate FILE|-              one JSON situation -> the full decision
    manage.py right_to_error evaluate --batch FILE|- [--format jsonl|csv] [--full] [--output FILE]
    manage.py right_to_error rules                        the rule catalogue as JSON

Batch mode streams: rows are read, evaluated and written one at a time (constant memory), with a
progress bar on stderr when stderr is a terminal and a French summary line at the end.
"""

import io
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bonnefoi.rules import SituationError, evaluate, parse_situation, rules_catalogue, rules_version
from bonnefoi.rules.batch import FORMATS, evaluate_lines
from bonnefoi.rules.docs import sectors_json

EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
REFRESH_SECONDS = 0.1  # at most ten progress refreshes a second
# evaluate_lines writes the error rows as {"line": n, "errors": …}: "line" comes first only there.
ERROR_ROW_PREFIX = '{"line"'


def _number(value: float, decimals: int = 0) -> str:
    """French number: narrow no-break space between thousands, decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


class Progress:
    """One stderr line redrawn in place: rows, rows/s and, for a regular file, a percentage."""

    def __init__(self, stream, *, size: int | None, position: Callable[[], int] | None):
        self.stream = stream
        self.size = size
        self.position = position
        self.started = self.last = time.monotonic()
        self.rows = 0

    def update(self, rows: int, *, force: bool = False) -> None:
        self.rows = rows
        now = time.monotonic()
        if not force and now - self.last < REFRESH_SECONDS:
            return
        self.last = now
        rate = rows / max(now - self.started, 1e-9)
        text = f"{_number(rows)} lignes · {_number(rate)} lignes/s"
        if self.size and self.position is not None:
            share = min(1.0, self.position() / self.size)
            filled = int(share * 30)
            text = f"[{'#' * filled}{'.' * (30 - filled)}] {share * 100:5.1f} % · {text}"
        self.stream.write(f"\r{text}\033[K")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state (even for a batch too short to have shown the bar)."""
        self.update(self.rows, force=True)
        self.stream.write("\n")
        self.stream.flush()


def run_batch(
    lines: Iterable[str],
    write: Callable[[str], object],
    *,
    fmt: str,
    full: bool,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Evaluate the rows one by one and write each result line as soon as it is ready.

    Returns (rows evaluated, rows in error).
    """
    rows = errors = 0
    for out in evaluate_lines(lines, fmt=fmt, full=full):
        write(out + "\n")
        rows += 1
        if out.startswith(ERROR_ROW_PREFIX):
            errors += 1
        if progress is not None:
            progress.update(rows)
    return rows, errors


class Command(BaseCommand):
    help = (
        "Moteur du droit à l'erreur : évalue une situation JSON, un lot de situations "
        "(JSON Lines ou CSV), ou affiche le catalogue des règles."
    )
    requires_system_checks = []  # pure computation: no model, no database
    requires_migrations_checks = False
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{evaluate,rules}")
        evaluate_parser = actions.add_parser(
            "evaluate", help="Évalue une situation, ou un lot de situations avec --batch."
        )
        evaluate_parser.add_argument(
            "source", help="Fichier d'entrée, ou « - » pour l'entrée standard."
        )
        evaluate_parser.add_argument(
            "--batch",
            action="store_true",
            help="Lot : une situation par ligne (JSON Lines) ou par ligne de tableau (CSV).",
        )
        evaluate_parser.add_argument(
            "--format",
            choices=FORMATS,
            help="Format du lot (par défaut : d'après l'extension du fichier, sinon jsonl).",
        )
        evaluate_parser.add_argument(
            "--full",
            action="store_true",
            help="Lot : décision complète (trace, explications) au lieu du résumé.",
        )
        evaluate_parser.add_argument(
            "--output", help="Lot : fichier de sortie (par défaut : la sortie standard)."
        )
        actions.add_parser("rules", help="Affiche le catalogue des règles (JSON).")

    def handle(self, *args, action: str, **options):
        self.stdin = options.get("stdin") or sys.stdin
        if action == "rules":
            payload = {
                "rules_version": rules_version(),
                "sectors": sectors_json(),
                "rules": rules_catalogue(),
            }
            self._print_json(payload)
        elif options["batch"]:
            self._batch(options["source"], options["format"], options["full"], options["output"])
        else:
            for name in ("format", "full", "output"):
                if options[name]:
                    raise CommandError(
                        f"--{name} ne sert qu'avec --batch (une situation seule donne toujours "
                        "la décision complète sur la sortie standard)."
                    )
            self._single(options["source"])

    # --- one situation ---------------------------------------------------------------------

    def _single(self, source: str) -> None:
        try:
            text = self.stdin.read() if source == "-" else Path(source).read_text("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("Entrée illisible : le texte doit être encodé en UTF-8.") from None
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {source} : {exc.strerror}.") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"JSON illisible à la ligne {exc.lineno}, colonne {exc.colno}."
            ) from None
        except (ValueError, RecursionError):
            raise CommandError(
                "JSON non pris en charge (nombre trop long ou trop imbriqué)."
            ) from None
        try:
            situation = parse_situation(data)
        except SituationError as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    self.stderr.write(f"  {field} : {message}")
            count = len(exc.errors)
            raise CommandError(
                f"Situation invalide : {count} champ{'s' if count > 1 else ''} à corriger."
            ) from None
        self._print_json(evaluate(situation).to_json())

    def _print_json(self, payload) -> None:
        _utf8(self.stdout._out)
        try:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            self.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()

    # --- batch -----------------------------------------------------------------------------

    def _batch(self, source: str, fmt: str | None, full: bool, output: str | None) -> None:
        if fmt is None:
            fmt = EXTENSIONS.get(Path(source).suffix.lower(), "jsonl") if source != "-" else "jsonl"
        started = time.monotonic()
        with ExitStack() as stack:
            lines, size, position = self._open_input(source, stack)
            if output and output != "-":
                try:
                    out = stack.enter_context(open(output, "w", encoding="utf-8", newline="\n"))
                except OSError as exc:
                    raise CommandError(
                        f"Écriture impossible dans {output} : {exc.strerror}."
                    ) from None
            else:
                out = self.stdout._out
                _utf8(out)
            progress = None
            if self.stderr.isatty():
                progress = Progress(self.stderr._out, size=size, position=position)
            try:
                rows, errors = run_batch(lines, out.write, fmt=fmt, full=full, progress=progress)
            except UnicodeDecodeError:
                raise CommandError(
                    "Entrée illisible : le texte doit être encodé en UTF-8."
                ) from None
            except BrokenPipeError:
                # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
                _silence_stdout()
                return
            finally:
                if progress is not None:
                    progress.close()
        elapsed = time.monotonic() - started
        rate = rows / elapsed if elapsed > 0 else 0
        self.stderr.write(  # a summary, not an error: no red
            f"Terminé : {_number(rows)} ligne{'s' if rows > 1 else ''} évaluée"
            f"{'s' if rows > 1 else ''}, {_number(errors)} en erreur, en "
            f"{_number(elapsed, 1)} s ({_number(rate)} lignes/s).",
            style_func=str,
        )

    def _open_input(
        self, source: str, stack: ExitStack
    ) -> tuple[Iterator[str], int | None, Callable[[], int] | None]:
        """Lines of the input read lazily, its size in bytes and its read position, if known."""
        if source == "-":
            binary = getattr(self.stdin, "buffer", None)
            if binary is None:  # already text (tests, or a wrapped stream)
                return iter(self.stdin), None, None
        else:
            try:
                binary = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            except OSError as exc:
                raise CommandError(f"Lecture impossible de {source} : {exc.strerror}.") from None
        size = position = None
        try:
            info = os.fstat(binary.fileno())
        except (OSError, io.UnsupportedOperation):
            info = None
        if info is not None and stat.S_ISREG(info.st_mode) and info.st_size:
            size, position = info.st_size, binary.tell
        # newline="" keeps quoted line breaks inside CSV cells intact.
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        if source == "-":
            stack.callback(text.detach)  # give stdin back instead of closing it
        return iter(text), size, position


def _utf8(stream) -> None:
    """Write UTF-8 to the real stdout whatever the locale says."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if encoding and encoding != "utf8" and hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8")


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
