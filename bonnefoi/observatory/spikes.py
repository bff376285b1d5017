"""Spike alerts: a frequent error whose weekly count rises well above its own recent level.

The rule (``is_spike``, pure; ``detect_spikes`` applies it to the national weekly aggregates)
-----------------------------------------------------------------------------------------------

For one frequent error (advice entry) and one complete ISO week W (Monday to Sunday, local
time), with ``current`` = cases tagged with the entry and submitted during W, all procedures
and structures together (national weekly ``CaseCount`` rows):

1. **Baseline**: the 8 complete weeks just before W (W-8 … W-1). A baseline week is *known*
   when it is not earlier than the first week the entry was ever used as a tag (before that,
   the entry was not in use, so a zero there says nothing about its level). Known weeks
   without any case count as 0.
2. **History known**: at least 4 of the 8 baseline weeks are known; otherwise no alert (a
   brand-new entry has no level of its own to rise above).
3. m = mean of the known baseline weeks; sd = their sample standard deviation (n - 1);
   **s = max(sd, √m, 1)**. Counts of rare events are roughly Poisson, whose standard
   deviation is √m: a quiet, very regular series would otherwise have sd ≈ 0 and alert on
   noise (4, 4, 4, 4 then 7). The floor of 1 covers m < 1.
4. **Threshold** = m + 3·s. Alert when ``current > threshold`` (strictly) **and**
   ``current ≥ 5``: a handful of cases is never a trend worth an e-mail, whatever the ratio
   (2 → 6 is noise: threshold 2 + 3·√2 ≈ 6.24).

Three standard deviations keep false alarms rare on a stable series (well under one a year
per entry for a roughly normal count) while a real jump — a form changed, a letter misread —
typically doubles or triples a count. A slow trend moves the baseline with it and does not
alert, which is intended: the ranking and trend charts show trends; alerts are for sudden
changes.

Tags often arrive days after the submission, so each run looks at the last complete week and
the one before it. An alert is created at most once per entry and week (unique constraint;
re-runs create nothing) and e-mailed to every active quality manager holding the role on a
structure that owns the entry or on an ancestor of one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.advice.models import Entry
from bonnefoi.core.audit import audit_log
from bonnefoi.core.site import absolute
from bonnefoi.observatory.models import CaseCount, Period, SpikeAlert
from bonnefoi.observatory.periods import period_start

BASELINE_WEEKS = 8
MIN_KNOWN_WEEKS = 4
MIN_COUNT = 5
SIGMAS = 3
WEEK = dt.timedelta(days=7)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SpikeVerdict:
    spike: bool
    weeks: int  # known baseline weeks
    mean: Decimal | None
    spread: Decimal | None  # s = max(sd, sqrt(mean), 1)
    threshold: Decimal | None
    reason: str  # "spike", "history", "minimum", "below"


def is_spike(history: list[int], current: int) -> SpikeVerdict:
    """The rule of the module docstring; `history` holds the counts of the known baseline
    weeks (at most 8, oldest first)."""
    if len(history) > BASELINE_WEEKS:
        raise ValueError(f"Au plus {BASELINE_WEEKS} semaines de référence.")
    weeks = len(history)
    if weeks < MIN_KNOWN_WEEKS:
        return SpikeVerdict(False, weeks, None, None, None, "history")
    values = [Decimal(v) for v in history]
    mean = sum(values) / weeks
    variance = sum((v - mean) ** 2 for v in values) / (weeks - 1)
    spread = max(variance.sqrt(), mean.sqrt(), Decimal(1))
    threshold = mean + SIGMAS * spread
    if current < MIN_COUNT:
        reason = "minimum"
    elif current > threshold:
        reason = "spike"
    else:
        reason = "below"
    return SpikeVerdict(reason == "spike", weeks, mean, spread, threshold, reason)


def last_complete_week(today: dt.date) -> dt.date:
    """Monday of the last ISO week that ended before `today`."""
    return period_start(Period.WEEK, today) - WEEK


def _weekly_counts(first: dt.date, last: dt.date) -> dict[int, dict[dt.date, int]]:
    """{entry id: {week start: national cases}} for the weeks first..last."""
    rows = (
        CaseCount.objects.filter(
            scope_key=0,  # the country
            period=Period.WEEK,
            entry_key__gt=0,
            start__gte=first,
            start__lte=last,
        )
        .values("entry", "start")
        .annotate(n=Sum("received"))
    )
    counts: dict[int, dict[dt.date, int]] = {}
    for row in rows:
        counts.setdefault(row["entry"], {})[row["start"]] = row["n"] or 0
    return counts


def _first_weeks(entry_ids) -> dict[int, dt.date]:
    """{entry id: first week the entry was used as a tag (nationally)}."""
    rows = (
        CaseCount.objects.filter(
            scope_key=0, period=Period.WEEK, entry_key__in=list(entry_ids), received__gt=0
        )
        .values("entry")
        .annotate(first=Min("start"))
    )
    return {row["entry"]: row["first"] for row in rows}


def evaluate_week(week: dt.date) -> list[tuple[int, int, SpikeVerdict]]:
    """(entry id, count, verdict) for every entry with at least MIN_COUNT cases in `week`."""
    baseline = [week - WEEK * i for i in range(BASELINE_WEEKS, 0, -1)]
    counts = _weekly_counts(baseline[0], week)
    candidates = [e for e, by_week in counts.items() if by_week.get(week, 0) >= MIN_COUNT]
    first = _first_weeks(candidates)
    out = []
    for entry_id in sorted(candidates):
        by_week = counts[entry_id]
        history = [by_week.get(b, 0) for b in baseline if b >= first.get(entry_id, week)]
        out.append((entry_id, by_week[week], is_spike(history, by_week[week])))
    return out


def detect_spikes(*, today: dt.date | None = None) -> list[SpikeAlert]:
    """Create the alerts of the last complete week and the week before (late tags); returns
    the alerts created by this run (none when they already exist)."""
    today = today or timezone.localdate()
    last = last_complete_week(today)
    created: list[SpikeAlert] = []
    for week in (last - WEEK, last):
        for entry_id, count, verdict in evaluate_week(week):
            if not verdict.spike:
                continue
            alert = _create_alert(entry_id, week, count, verdict)
            if alert is not None:
                created.append(alert)
    return created


def _create_alert(entry_id: int, week: dt.date, count: int, verdict: SpikeVerdict):
    if SpikeAlert.objects.filter(entry_id=entry_id, week_start=week).exists():
        return None
    try:
        with transaction.atomic():
            alert = SpikeAlert.objects.create(
                entry_id=entry_id,
                week_start=week,
                count=count,
                baseline_weeks=verdict.weeks,
                baseline_mean=verdict.mean.quantize(CENT),
                threshold=verdict.threshold.quantize(CENT),
            )
            audit_log(
                actor=None,
                action="observatory.spike_alert.created",
                obj=alert,
                details={"entry": entry_id, "week": week.isoformat(), "count": count},
            )
            transaction.on_commit(lambda: notify_spike.enqueue(alert.pk))
    except IntegrityError:  # created meanwhile by another run
        return None
    return alert


def spike_recipients(entry: Entry) -> list[str]:
    """E-mail addresses of the active quality managers of the entry's owners or above them."""
    structure_ids: set[int] = set()
    for owner in entry.owners.all():
        structure_ids.add(owner.pk)
        structure_ids.update(owner.ancestor_ids)
    return sorted(
        set(
            Membership.objects.active()
            .filter(structure_id__in=structure_ids, role=Role.QUALITY_MANAGER)
            .values_list("user__email", flat=True)
        )
    )


@task
def notify_spike(alert_id: int) -> int:
    """E-mail each quality manager concerned by a spike alert (one message per address)."""
    alert = SpikeAlert.objects.select_related("entry").get(pk=alert_id)
    entry = alert.entry
    link = absolute(reverse("observatory:entry", args=[entry.slug]))
    sent = 0
    for email in spike_recipients(entry):
        send_mail(
            subject=f"Bonne foi : hausse inhabituelle d'une erreur fréquente ({alert.count} dossiers)",
            message=(
                "Bonjour,\n\n"
                f"L'erreur fréquente « {entry.title} » a été signalée dans {alert.count} "
                f"dossiers de correction la semaine du {alert.week_start:%d/%m/%Y}, bien "
                f"au-dessus de son niveau habituel (moyenne de {alert.baseline_mean} par "
                f"semaine sur les {alert.baseline_weeks} semaines précédentes, seuil "
                f"d'alerte {alert.threshold}).\n\n"
                "Un formulaire, un courrier ou un conseil a peut-être changé. Consultez "
                f"l'évolution de cette erreur et ouvrez au besoin un plan d'action : {link}\n\n"
                "Vous recevez ce message comme responsable qualité d'une administration "
                "responsable de ce conseil ou d'une structure dont elle dépend.\n"
            ),
            from_email=None,
            recipient_list=[email],
        )
        sent += 1
    return sent
