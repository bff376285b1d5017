"""The yearly reception report of a site: premises audits, training coverage, incivility
statistics and identification compliance, gathered from the selectors of each app.

Everything here is aggregated: counts, shares and the public identity of corrective-action
owners. No narrative of an incident, no name of an agent under an anonymity exception, and the
minimum cell size of the incident statistics (``bonnefoi.core.disclosure``) also protects
the identification counts. Who may read it, the definition of identification compliance and
why every read is audited: docs/architecture.md, section 14 (« Rapport annuel d'accueil »).
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from django.utils import timezone

from bonnefoi.core.audit import audit_log
from bonnefoi.core.disclosure import Line, published, suppressed_cells
from bonnefoi.incidents.statistics import (
    SUPPRESSED_MARK,
    disclosure_rule,
    min_cell_size,
    site_statistics,
)
from bonnefoi.reception.scoring import SCORE_RULE
from bonnefoi.reception.selectors import site_audit_summary
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.identification import (
    Channel,
    PublicIdentity,
    agent_public_identity,
    structure_public_label,
)
from bonnefoi.structures.models import Agent, AnonymityException, Structure, StructureKind
from bonnefoi.training.selectors import POPULATIONS, coverage

FIRST_YEAR = 2000  # no report before the platform's oldest possible data
# Reading the report needs the read right of each part it gathers: premises audits, incident
# statistics and training coverage (quality managers, administrators, national administrators).
REPORT_PERMISSIONS = frozenset({"premises.view", "incident.statistics", "training.view_coverage"})
# Channels that print the position (qualité) under the name; the phone greeting says the
# service and the name only (bonnefoi/structures/identification.py).
WRITTEN_CHANNELS = (Channel.COUNTER_BADGE, Channel.EMAIL_SIGNATURE, Channel.LETTER_SIGNATURE)

IDENTIFICATION_RULE = (
    "Un agent est compté « identification complète » quand, à la date de référence, son "
    "prénom, son nom et son service figurent sur chacun des quatre canaux (badge au guichet, "
    "accueil téléphonique, signature d'e-mail, signature de courrier) et sa qualité sur les "
    "trois canaux écrits (l'accueil téléphonique annonce le service et le nom). Un agent sous "
    "exception d'anonymat en vigueur (article L111-2 du code des relations entre le public et "
    "l'administration) est compté à part : il se présente sous un pseudonyme et son service, "
    "comme la loi le permet. Les autres sont « données incomplètes » (qualité, prénom ou nom "
    "manquant). Sont comptés les agents du site dont le compte est actif et qui étaient "
    "enregistrés à la date de référence."
)


# --- who may read ------------------------------------------------------------------------


def site_report_abilities(user, site: Structure) -> dict[str, bool]:
    """``view``: the user holds, on the site or above it, every read right the report gathers."""
    perms = permissions_on(user, site)
    return {"view": site.kind == StructureKind.SITE and REPORT_PERMISSIONS.issubset(perms)}


def report_year_bounds(today: dt.date | None = None) -> tuple[int, int]:
    """The years a report may be asked for: from FIRST_YEAR to the current year."""
    return FIRST_YEAR, (today or timezone.localdate()).year


def reference_date(year: int, today: dt.date | None = None) -> dt.date:
    """31 December of ``year``, or today while the year is not over."""
    return min(dt.date(year, 12, 31), today or timezone.localdate())


# --- the four parts ----------------------------------------------------------------------


def _percent(part: int | None, whole: int | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _owner_identities(owners, dates: tuple[dt.date, ...]) -> dict[int, PublicIdentity]:
    """{agent id: public identity} of corrective-action owners, as the public sees them.

    The report speaks of the year but is read (and may circulate) today: an owner under an
    anonymity exception in force on any of ``dates`` (the reference date, today) is shown by
    pseudonym and service.
    """
    agents = (
        Agent.objects.filter(pk__in={owner.pk for owner in owners})
        .select_related("structure")
        .prefetch_related("anonymity_exceptions")
    )
    labels: dict[int, str] = {}
    identities = {}
    for agent in agents:
        service = labels.setdefault(agent.structure_id, structure_public_label(agent.structure))
        candidates = [
            agent_public_identity(
                agent=agent,
                channel=Channel.LETTER_SIGNATURE,
                viewer=None,
                on=on,
                service_label=service,
            )
            for on in dates
        ]
        pseudonymous = [identity for identity in candidates if identity.is_pseudonymous]
        identities[agent.pk] = pseudonymous[0] if pseudonymous else candidates[0]
    return identities


def _premises(site: Structure, year: int, as_of: dt.date, today: dt.date) -> dict:
    """site_audit_summary(), with each open action's owner as the public sees them."""
    summary = site_audit_summary(site, year)
    overdue = {action.pk for action in summary["overdue_actions"]}
    identities = _owner_identities(
        [action.owner for action in summary["open_actions"]], (as_of, today)
    )
    rows = []
    for action in summary["open_actions"]:
        identity = identities[action.owner_id]
        rows.append(
            {
                "criterion": action.criterion.label,
                "description": action.description,
                "owner": identity.name,
                "owner_position": identity.position,
                "owner_service": identity.service,
                "due_on": action.due_on,
                "status": action.get_status_display(),
                "overdue": action.pk in overdue,
            }
        )
    return {
        **{key: value for key, value in summary.items() if key not in ("site", "audit")},
        "has_audit": summary["audit"] is not None,
        "actions": rows,
        "overdue_count": len(overdue),
        "score_rule": SCORE_RULE,
    }


def _training(site: Structure, on_date: dt.date) -> dict:
    """coverage() of the site, with percentages ready to print, one table per population."""
    data = coverage(site, on_date)
    populations = []
    for key, label in POPULATIONS:
        rows = [
            {
                "title": module["title"],
                "refresher_months": module["refresher_months"],
                **module[key],
                "percent": _percent(module[key]["trained"], module[key]["total"]),
            }
            for module in data["modules"]
        ]
        headcount = data["front_line_agents"] if key == "front_line" else data["managers"]
        populations.append({"key": key, "label": label, "headcount": headcount, "rows": rows})
    return {
        "on_date": on_date,
        "front_line_agents": data["front_line_agents"],
        "managers": data["managers"],
        "has_modules": bool(data["modules"]),
        "has_agents": bool(data["front_line_agents"] or data["managers"]),
        "overdue_refreshers": data["overdue_refreshers"],
        "no_one_trained": not any(
            module[key]["trained"] or module[key]["overdue"]
            for module in data["modules"]
            for key, _label in POPULATIONS
        ),
        "populations": populations,
    }


def _incidents(site: Structure, year: int, threshold: int) -> dict:
    stats = site_statistics(site, year, threshold=threshold)
    return {
        **stats,
        "has_reports": stats["total"] != 0,
        "breakdowns": [
            ("Par gravité", "gravité", stats["by_gravity"]),
            ("Par catégorie", "catégorie", stats["by_category"]),
            ("Par canal", "canal", stats["by_channel"]),
        ],
    }


def _shows_complete_identity(agent: Agent, identity) -> bool:
    required = [agent.first_name, agent.last_name, identity.service]
    if identity.channel in WRITTEN_CHANNELS:
        required.append(identity.position)
    text = identity.text
    return all(part.strip() and part.strip() in text for part in required)


def identification_compliance(
    site: Structure, on_date: dt.date, *, threshold: int | None = None
) -> dict:
    """How the agents of the site are identified to the public on ``on_date``: complete on
    every channel, under an anonymity exception in force, or with incomplete data.

    Counts are published under the minimum cell size of the incident statistics: a count
    from 1 to threshold - 1 is hidden (``None``), with the complementary cells that would give
    it back by subtraction from the total. Never a name.
    """
    threshold = threshold or min_cell_size()
    agents = (
        Agent.objects.filter(
            structure__in=Structure.objects.subtree_of(site),
            user__is_active=True,
            created_at__date__lte=on_date,
        )
        .select_related("structure")
        .prefetch_related(
            Prefetch("anonymity_exceptions", queryset=AnonymityException.objects.in_force(on_date))
        )
    )
    counts = {"complete": 0, "anonymous": 0, "incomplete": 0}
    labels: dict[int, str] = {}
    for agent in agents:
        service = labels.setdefault(agent.structure_id, structure_public_label(agent.structure))
        identities = [
            agent_public_identity(
                agent=agent, channel=channel, viewer=None, on=on_date, service_label=service
            )
            for channel in Channel.values
        ]
        if any(identity.is_pseudonymous for identity in identities):
            counts["anonymous"] += 1
        elif all(_shows_complete_identity(agent, identity) for identity in identities):
            counts["complete"] += 1
        else:
            counts["incomplete"] += 1
    values = {**counts, "total": sum(counts.values())}
    line = Line(("complete", "anonymous", "incomplete"), "total")
    shown = published(values, suppressed_cells(values, [line], threshold))
    return {
        "on_date": on_date,
        "min_cell_size": threshold,
        "total": shown["total"],
        "complete": shown["complete"],
        "anonymous": shown["anonymous"],
        "incomplete": shown["incomplete"],
        "complete_percent": _percent(shown["complete"], shown["total"]),
        "has_agents": values["total"] > 0,
        "address_on_file": bool(site.postal_address),
        "rule": IDENTIFICATION_RULE,
    }


def site_report(site: Structure, year: int) -> dict:
    """The yearly reception report of ``site`` for ``year``, as plain data for the templates.

    Keys: ``site``, ``year``, ``as_of`` (31 December, or today for the current year),
    ``year_in_progress``, ``generated_on``, ``min_cell_size``, ``disclosure_rule``,
    ``suppressed_mark``, and one dict per part: ``premises``, ``training``, ``incidents``,
    ``identification``.
    """
    today = timezone.localdate()
    as_of = reference_date(year, today)
    threshold = min_cell_size()
    return {
        "site": site,
        "service": structure_public_label(site),
        "year": year,
        "as_of": as_of,
        "year_in_progress": as_of < dt.date(year, 12, 31),
        "generated_on": today,
        "min_cell_size": threshold,
        "disclosure_rule": disclosure_rule(threshold),
        "suppressed_mark": SUPPRESSED_MARK,
        "premises": _premises(site, year, as_of, today),
        "training": _training(site, as_of),
        "incidents": _incidents(site, year, threshold),
        "identification": identification_compliance(site, as_of, threshold=threshold),
    }


# --- audit of reads ----------------------------------------------------------------------


def site_report_record_read(*, actor, site: Structure, year: int, output: str) -> None:
    """Every reading of a report (page or PDF) is logged: its figures derive from personal
    data (training records, anonymity exceptions, incident reports)."""
    audit_log(
        actor=actor,
        action="reception.report.viewed",
        obj=site,
        structure=site,
        details={"year": year, "format": output},
    )
