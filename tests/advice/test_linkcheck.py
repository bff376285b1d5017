"""Link checker, against a local HTTP server: 200, 404, redirects, HEAD refused, slow answers."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bonnefoi.advice.linkcheck import check_url
from bonnefoi.advice.models import EntryStatus
from bonnefoi.advice.services import entry_publish
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.structures.factories import StructureFactory

SLOW_SECONDS = 1.5
TIMEOUT = 0.5


class Handler(BaseHTTPRequestHandler):
    """/ok 200, /missing 404, /moved 301 → /ok, /loop redirects to itself, /slow answers late,
    /no-head refuses HEAD (405) but answers GET."""

    def _answer(self, with_body: bool):
        path = self.path
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
        if path in ("/ok", "/slow") or (path == "/no-head" and self.command == "GET"):
            self.send_response(200)
        elif path == "/no-head":
            self.send_response(405)
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        else:
            self.send_response(404)
        body = b"<p>page</p>"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_HEAD(self):
        self._answer(with_body=False)

    def do_GET(self):
        self._answer(with_body=True)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


def test_a_page_that_answers_is_fine(server):
    """200 on HEAD: the link works, nothing more is asked."""
    result = check_url(f"{server}/ok", timeout=TIMEOUT)
    assert result.ok
    assert result.status == 200
    assert not result.redirected


def test_a_missing_page_is_broken_with_its_status(server):
    """404 on HEAD then on GET: broken, "erreur 404"."""
    result = check_url(f"{server}/missing", timeout=TIMEOUT)
    assert not result.ok
    assert result.status == 404
    assert result.problem == "erreur 404"


def test_redirects_are_followed_and_noted(server):
    """301 → /ok: the link works; the final address is kept so the editor can update it."""
    result = check_url(f"{server}/moved", timeout=TIMEOUT)
    assert result.ok
    assert result.redirected
    assert result.final_url == f"{server}/ok"


def test_a_server_refusing_head_is_asked_with_get(server):
    """405 on HEAD, 200 on GET: the link works."""
    assert check_url(f"{server}/no-head", timeout=TIMEOUT).ok


def test_a_slow_page_times_out(server):
    """No answer within the timeout: broken, "pas de réponse en 0.5 s"."""
    started = time.monotonic()
    result = check_url(f"{server}/slow", timeout=TIMEOUT)
    assert time.monotonic() - started < SLOW_SECONDS
    assert not result.ok
    assert result.status is None
    assert result.error == "pas de réponse en 0.5 s"


def test_unreachable_server_and_bad_scheme_are_broken():
    """A closed port and a non-web address are reported, not raised."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert "injoignable" in check_url(f"http://127.0.0.1:{port}/", timeout=TIMEOUT).error
    assert not check_url("ftp://exemple.test/fichier", timeout=TIMEOUT).ok


def _published(owner, links, title):
    entry = EntryFactory(
        owners=[owner],
        status=EntryStatus.IN_REVIEW,
        title=title,
        links=[{"label": f"Lien {n}", "url": url} for n, url in enumerate(links)],
    )
    entry_publish(entry=entry, user=None, change_kind="major", change_note="Première version.")
    entry.refresh_from_db()
    return entry


@pytest.fixture
def catalogue(db, server):
    caf = StructureFactory(name="Réseau CAF", sp_code="CNAF")
    impots = StructureFactory(name="DGFiP", sp_code="DGFIP")
    _published(caf, [f"{server}/ok", f"{server}/missing"], "J'oublie de signaler un départ")
    _published(caf, [f"{server}/moved"], "J'oublie mes revenus")
    _published(impots, [f"{server}/slow", f"{server}/ok"], "J'oublie la pension")
    # A draft's links are not public: not checked.
    EntryFactory(owners=[impots], links=[{"label": "Brouillon", "url": f"{server}/brouillon"}])
    # The working copy of a published entry is not what the public reads: not checked either.
    changed = _published(impots, [f"{server}/ok"], "J'oublie une case")
    changed.links = [{"label": "En cours", "url": f"{server}/en-cours"}]
    changed.save()
    procedure = ProcedureFactory(
        title="Déclarer ses revenus", online_service_url=f"{server}/missing"
    )
    procedure.owners.set([impots])
    return caf, impots


def _run(*args) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("advice_check_links", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_command_reports_broken_links_per_owner_and_fails(catalogue, server):
    """Broken links are listed under their owner with the entry title and the reason; the
    command exits with status 1; drafts and unpublished working copies are not checked."""
    output, error = _run("--timeout", str(TIMEOUT))
    assert error is not None
    assert error.returncode == 1
    assert "Réseau CAF : 1 lien(s) cassé(s) sur 3." in output
    assert f"« J'oublie de signaler un départ » : {server}/missing → erreur 404" in output
    assert f"(redirigé) « J'oublie mes revenus » : {server}/moved → {server}/ok" in output
    assert "DGFiP : 2 lien(s) cassé(s) sur 4." in output
    assert f"« J'oublie la pension » : {server}/slow → pas de réponse en 0.5 s" in output
    assert (
        f"démarche « Déclarer ses revenus » (service en ligne) : {server}/missing → erreur 404"
        in output
    )
    assert "/brouillon" not in output
    assert "/en-cours" not in output
    assert "4 adresse(s) vérifiée(s), 2 cassée(s)." in output


def test_command_limits_the_check_to_one_owner(catalogue, server):
    """--owner SP_CODE keeps one owner's entries and procedures."""
    output, error = _run("--owner", "CNAF", "--timeout", str(TIMEOUT))
    assert error is not None
    assert "Réseau CAF" in output
    assert "DGFiP" not in output
    assert "3 adresse(s) vérifiée(s), 1 cassée(s)." in output


def test_command_succeeds_when_every_link_works(db, server):
    """No broken link: a clean report and no error."""
    owner = StructureFactory(name="Urssaf", sp_code="URSSAF")
    _published(owner, [f"{server}/ok", f"{server}/no-head"], "J'oublie une déclaration")
    output, error = _run("--timeout", str(TIMEOUT))
    assert error is None
    assert "Urssaf : 2 lien(s) vérifié(s), aucun cassé." in output


def test_dry_run_lists_addresses_without_asking_them(catalogue, server, monkeypatch):
    """--dry-run lists the addresses that would be checked and asks no site."""

    def forbidden(*args, **kwargs):
        raise AssertionError("no request in a dry run")

    monkeypatch.setattr("bonnefoi.advice.linkcheck.check_url", forbidden)
    output, error = _run("--dry-run")
    assert error is None
    assert "Simulation : 4 adresse(s) seraient vérifiées" in output
    assert f"{server}/slow" in output


def test_unknown_owner_and_bad_timeout_are_refused_in_french(db):
    """An unknown SP code or a negative timeout stops the command with a French message."""
    _, error = _run("--owner", "INCONNU")
    assert "Aucune structure n'a le code Services Publics+ « INCONNU »" in str(error)
    with pytest.raises(CommandError, match="supérieur à zéro"):
        call_command("advice_check_links", "--timeout", "-1")
