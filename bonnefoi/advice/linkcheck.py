"""Check the official links the public reads: links of published entries (their published
version) and procedures' online services. Reports only; nothing is written.

Each address is asked once per run (HEAD, then GET when the server refuses HEAD or answers an
error), redirects followed, with a timeout; a few addresses are checked at a time.
"""

import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPException
from urllib.parse import urlsplit

from bonnefoi.advice.models import Entry, Procedure
from bonnefoi.structures.models import Structure

USER_AGENT = "BonneFoi-verificateur-de-liens/1.0"
DEFAULT_TIMEOUT = 5.0
WORKERS = 8
_GET_READ_BYTES = 1024


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status: int | None = None  # last HTTP status, None when no answer came
    error: str = ""  # French explanation when not ok
    final_url: str = ""  # where redirects led, when it differs

    @property
    def redirected(self) -> bool:
        return bool(self.final_url) and self.final_url != self.url

    @property
    def problem(self) -> str:
        if self.status is not None:
            return f"erreur {self.status}" + (f" ({self.error})" if self.error else "")
        return self.error


@dataclass(frozen=True)
class LinkUse:
    """Where a link appears: an entry (its published title) or a procedure's online service."""

    url: str
    where: str  # « titre » of the entry, or « démarche »
    owner_ids: tuple[int, ...]


@dataclass
class OwnerReport:
    owner: Structure
    checked: int = 0
    broken: list[tuple[LinkUse, LinkResult]] = field(default_factory=list)
    redirected: list[tuple[LinkUse, LinkResult]] = field(default_factory=list)


def _open(url: str, method: str, timeout: float):
    request = urllib.request.Request(  # noqa: S310 (only http and https reach here)
        url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
    )
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310


def check_url(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> LinkResult:
    """HEAD the address (GET when HEAD fails with an HTTP error); redirects are followed."""
    if urlsplit(url).scheme not in ("http", "https"):
        return LinkResult(url=url, ok=False, error="adresse qui ne commence pas par https://")
    last_status: int | None = None
    for method in ("HEAD", "GET"):
        try:
            with _open(url, method, timeout) as response:
                if method == "GET":
                    response.read(_GET_READ_BYTES)
                final = response.geturl()
                return LinkResult(
                    url=url,
                    ok=True,
                    status=response.status,
                    final_url=final if final != url else "",
                )
        except urllib.error.HTTPError as exc:
            last_status = exc.code
            exc.close()
            continue  # some servers refuse HEAD (405, 403, 404…): ask again with GET
        except TimeoutError:
            return LinkResult(url=url, ok=False, error=f"pas de réponse en {timeout:g} s")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                return LinkResult(url=url, ok=False, error=f"pas de réponse en {timeout:g} s")
            return LinkResult(url=url, ok=False, error=f"serveur injoignable ({reason})")
        except (HTTPException, OSError, ValueError) as exc:
            return LinkResult(url=url, ok=False, error=f"réponse invalide ({exc})")
    return LinkResult(url=url, ok=False, status=last_status)


def link_uses(*, owner: Structure | None = None) -> list[LinkUse]:
    """Every link the public reads, with the owners it is reported to.

    Entries: the links of their published version (not the working copy). Procedures: their
    online service. `owner` keeps the entries and procedures of that structure's subtree.
    """
    entries = Entry.objects.published().prefetch_related("owners").order_by("slug")
    procedures = Procedure.objects.prefetch_related("owners").order_by("slug")
    if owner is not None:
        entries = entries.filter(
            pk__in=Entry.objects.filter(owners__path__tree_prefix=owner.path).values("pk")
        )
        procedures = procedures.filter(
            pk__in=Procedure.objects.filter(owners__path__tree_prefix=owner.path).values("pk")
        )
    uses = []
    for entry in entries:
        content = entry.current_version.content
        owner_ids = tuple(o.pk for o in entry.owners.all())
        uses.extend(
            LinkUse(url=link["url"], where=f"« {content['title']} »", owner_ids=owner_ids)
            for link in content.get("links", [])
        )
    for procedure in procedures:
        uses.append(
            LinkUse(
                url=procedure.online_service_url,
                where=f"démarche « {procedure.title} » (service en ligne)",
                owner_ids=tuple(o.pk for o in procedure.owners.all()),
            )
        )
    return uses


def check_all(
    urls: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    checker: Callable[..., LinkResult] = check_url,
    workers: int = WORKERS,
) -> dict[str, LinkResult]:
    """Each distinct address checked once, a few at a time."""
    unique = list(dict.fromkeys(urls))
    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique)))) as pool:
        results = pool.map(lambda url: checker(url, timeout=timeout), unique)
        return dict(zip(unique, results, strict=True))


def report_by_owner(
    uses: list[LinkUse], results: dict[str, LinkResult], *, only: Structure | None = None
) -> list[OwnerReport]:
    """One report per owner (a link shared by two owners counts for both), by owner name.

    With `only`, owners outside its subtree are left out (a co-owner from elsewhere)."""
    owner_ids = {pk for use in uses for pk in use.owner_ids}
    owners = Structure.objects.filter(pk__in=owner_ids)
    if only is not None:
        owners = owners.filter(path__tree_prefix=only.path)
    reports = {o.pk: OwnerReport(owner=o) for o in owners.order_by("name")}
    orphan = OwnerReport(owner=Structure(name="(sans administration responsable)"))
    for use in uses:
        result = results.get(use.url)
        if result is None:
            continue
        owned = [reports[pk] for pk in use.owner_ids if pk in reports]
        targets = owned if use.owner_ids else [orphan]
        for report in targets:
            report.checked += 1
            if not result.ok:
                report.broken.append((use, result))
            elif result.redirected:
                report.redirected.append((use, result))
    ordered = list(reports.values())
    if orphan.checked:
        ordered.append(orphan)
    return ordered
