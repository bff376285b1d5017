"""Reads of the premises audits: scope, history, network view, due dates, yearly summary."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.reception.conf import setting
from bonnefoi.reception.models import (
    Audit,
    AuditReminder,
    ChecklistVersion,
    CorrectiveAction,
    Criterion,
    CriterionResult,
    Rating,
)
from bonnefoi.structures.abilities import ROLE_PERMISSIONS
from bonnefoi.structures.models import AnonymityException, Structure, StructureKind
from bonnefoi.structures.selectors import user_memberships

# Who receives the "audit due" reminder: the people who record audits, on the site or above it.
# National administrators are left out so that a whole network does not land in one mailbox.
REMINDER_ROLES = (Role.QUALITY_MANAGER, Role.ADMINISTRATOR)


# --- scope -------------------------------------------------------------------------------


def premises_roots(user, permission: str = "premises.view") -> list[Structure]:
    """Structures where the user holds a role granting ``permission`` (their subtrees)."""
    return [m.structure for m in user_memberships(user) if permission in ROLE_PERMISSIONS[m.role]]


def structures_in_premises_scope(user) -> QuerySet[Structure]:
    if user.is_authenticated and user.is_superuser:
        return Structure.objects.all()
    return Structure.objects.subtrees_of(premises_roots(user))


def sites_in_subtree(root: Structure) -> QuerySet[Structure]:
    return Structure.objects.subtree_of(root).filter(kind=StructureKind.SITE).order_by("path")


def scope_choices(user) -> list[Structure]:
    """Structures a user may pick as the root of the network view (not the sites themselves)."""
    if user.is_superuser:
        return list(Structure.objects.exclude(kind=StructureKind.SITE).order_by("path")[:500])
    return list(
        structures_in_premises_scope(user).exclude(kind=StructureKind.SITE).order_by("path")
    )


# --- checklist and due dates -------------------------------------------------------------


def current_checklist(today: dt.date | None = None) -> ChecklistVersion | None:
    return ChecklistVersion.objects.in_force(today or timezone.localdate())


def audit_period_months(checklist: ChecklistVersion | None) -> int:
    if checklist is not None and checklist.audit_period_months:
        return checklist.audit_period_months
    return setting("RECEPTION_AUDIT_PERIOD_MONTHS")


def next_audit_due(
    *, site: Structure, latest: Audit | None, checklist: ChecklistVersion | None
) -> dt.date:
    """The date by which the next audit is expected: the latest visit plus the period of the
    checklist in force; a site never audited is expected from the day it was created."""
    if latest is None:
        return timezone.localdate(site.created_at)
    return latest.visited_on + relativedelta(months=audit_period_months(checklist))


def latest_audits(sites) -> dict[int, Audit]:
    """{site id: latest audit (by visit date, then recording order)} for the given sites."""
    latest_pk = (
        Audit.objects.filter(site=OuterRef("site")).order_by("-visited_on", "-pk").values("pk")[:1]
    )
    audits = (
        Audit.objects.filter(site__in=sites)
        .filter(pk=Subquery(latest_pk))
        .select_related("checklist")
    )
    return {audit.site_id: audit for audit in audits}


# --- per-site history --------------------------------------------------------------------


def site_audits(site: Structure) -> QuerySet[Audit]:
    return (
        Audit.objects.filter(site=site)
        .select_related("checklist")
        .annotate(
            open_actions=Count(
                "actions", filter=Q(actions__status__in=("open", "in_progress")), distinct=True
            ),
            not_met=Count("results", filter=Q(results__rating=Rating.NOT_MET), distinct=True),
        )
        .order_by("-visited_on", "-pk")
    )


def actions_with_owner(queryset: QuerySet[CorrectiveAction]) -> QuerySet[CorrectiveAction]:
    """Actions with what their display needs: owner (and exceptions in force), criterion, site."""
    in_force = AnonymityException.objects.in_force(timezone.localdate())
    return queryset.select_related(
        "criterion", "audit__site", "owner__structure", "owner__user"
    ).prefetch_related(Prefetch("owner__anonymity_exceptions", queryset=in_force))


def audit_detail(pk: int, sites: QuerySet[Structure]) -> Audit:
    """An audit of one of ``sites`` with its results and photos (Audit.DoesNotExist otherwise)."""
    return (
        Audit.objects.filter(site__in=sites)
        .select_related("site", "checklist", "recorded_by")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=CriterionResult.objects.select_related("criterion")
                .prefetch_related("photos")
                .order_by("criterion__position"),
            )
        )
        .get(pk=pk)
    )


# --- network view ------------------------------------------------------------------------


@dataclass
class SiteRow:
    site: Structure
    latest: Audit | None
    next_due: dt.date
    overdue: bool
    open_actions: int


@dataclass
class CriterionShare:
    key: str
    label: str
    theme: str
    met: int
    assessed: int

    @property
    def share(self) -> Decimal | None:
        if not self.assessed:
            return None
        return (Decimal(self.met) * 100 / self.assessed).quantize(Decimal("1"))


@dataclass
class NetworkOverview:
    root: Structure
    checklist: ChecklistVersion | None
    rows: list[SiteRow]
    shares: list[CriterionShare]
    overdue_actions: list[CorrectiveAction]

    @property
    def overdue_sites(self) -> list[SiteRow]:
        return [row for row in self.rows if row.overdue]

    @property
    def audited(self) -> int:
        return sum(1 for row in self.rows if row.latest is not None)


def network_overview(root: Structure, *, today: dt.date | None = None) -> NetworkOverview:
    """Sites of a subtree with their latest audit and due date, the share of sites meeting each
    criterion of the checklist in force (latest audit per site; criteria matched by key across
    versions), and the open corrective actions past their due date."""
    today = today or timezone.localdate()
    checklist = current_checklist(today)
    sites = list(sites_in_subtree(root))
    latest = latest_audits(sites)
    open_counts = dict(
        CorrectiveAction.objects.still_open()
        .filter(audit__site__in=sites)
        .values_list("audit__site")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for site in sites:
        audit = latest.get(site.pk)
        due = next_audit_due(site=site, latest=audit, checklist=checklist)
        rows.append(
            SiteRow(
                site=site,
                latest=audit,
                next_due=due,
                overdue=due < today,
                open_actions=open_counts.get(site.pk, 0),
            )
        )
    shares: list[CriterionShare] = []
    if checklist is not None:
        ratings: dict[str, list[str]] = {}
        results = CriterionResult.objects.filter(
            audit__in=[a.pk for a in latest.values()]
        ).values_list("criterion__key", "rating")
        for key, rating in results:
            ratings.setdefault(key, []).append(rating)
        for criterion in Criterion.objects.filter(checklist=checklist).order_by("position"):
            values = [r for r in ratings.get(criterion.key, []) if r != Rating.NOT_APPLICABLE]
            shares.append(
                CriterionShare(
                    key=criterion.key,
                    label=criterion.label,
                    theme=criterion.theme,
                    met=sum(1 for r in values if r == Rating.MET),
                    assessed=len(values),
                )
            )
    overdue_actions = list(
        actions_with_owner(
            CorrectiveAction.objects.overdue(today).filter(audit__site__in=sites)
        ).order_by("due_on", "pk")
    )
    return NetworkOverview(
        root=root, checklist=checklist, rows=rows, shares=shares, overdue_actions=overdue_actions
    )


# --- yearly summary (for the yearly reception report) ------------------------------------


def site_audit_summary(site: Structure, year: int) -> dict:
    """The premises part of a site's yearly reception report.

    Returns ``{"site", "year", "audit", "audits_in_year", "score", "checklist_number", "kind",
    "visited_on", "criteria_not_met", "criteria_partly_met", "open_actions", "overdue_actions"}``;
    ``audit`` is the latest audit visited during ``year`` (None if there was none, and then the
    derived keys are None or empty). Open actions are those still open at the end of the year
    (or today, for the current year) on any audit of the site.
    """
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_year = Audit.objects.filter(site=site, visited_on__range=(start, end))
    audit = in_year.select_related("checklist").order_by("-visited_on", "-pk").first()
    today = timezone.localdate()
    as_of = min(end, today)
    open_actions = actions_with_owner(
        CorrectiveAction.objects.still_open().filter(audit__site=site, audit__visited_on__lte=end)
    ).order_by("due_on", "pk")
    summary = {
        "site": site,
        "year": year,
        "audit": audit,
        "audits_in_year": in_year.count(),
        "score": None,
        "checklist_number": None,
        "kind": None,
        "visited_on": None,
        "criteria_not_met": [],
        "criteria_partly_met": [],
        "open_actions": list(open_actions),
        "overdue_actions": [a for a in open_actions if a.due_on < as_of],
    }
    if audit is None:
        return summary
    results = (
        CriterionResult.objects.filter(audit=audit)
        .select_related("criterion")
        .order_by("criterion__position")
    )
    summary.update(
        score=audit.score,
        checklist_number=audit.checklist.number,
        kind=audit.get_kind_display(),
        visited_on=audit.visited_on,
        criteria_not_met=[r.criterion.label for r in results if r.rating == Rating.NOT_MET],
        criteria_partly_met=[r.criterion.label for r in results if r.rating == Rating.PARTLY_MET],
    )
    return summary


# --- reminders ---------------------------------------------------------------------------


def reminder_recipients(site: Structure) -> list[str]:
    """E-mail addresses of the quality managers and administrators of the site or above it."""
    return sorted(
        set(
            Membership.objects.active()
            .filter(structure_id__in=[*site.ancestor_ids, site.pk], role__in=REMINDER_ROLES)
            .values_list("user__email", flat=True)
        )
    )


def sites_due_for_reminder(today: dt.date) -> list[tuple[Structure, dt.date]]:
    """(site, due date) for every site whose next audit is due within the reminder window or
    overdue, and not yet reminded for that due date."""
    checklist = current_checklist(today)
    horizon = today + dt.timedelta(days=setting("RECEPTION_REMINDER_DAYS_BEFORE"))
    sites = list(Structure.objects.filter(kind=StructureKind.SITE).order_by("path"))
    latest = latest_audits(sites)
    reminded = set(AuditReminder.objects.values_list("site_id", "due_on"))
    due = []
    for site in sites:
        when = next_audit_due(site=site, latest=latest.get(site.pk), checklist=checklist)
        if when <= horizon and (site.pk, when) not in reminded:
            due.append((site, when))
    return due
