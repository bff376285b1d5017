"""The observatory: errors people actually make, counted from correction cases, and what
administrations do about them.

Two kinds of tables live here:

* **Aggregates**: day tables (`DayCount`, `DayDelay`) and rollups (`CaseCount`, `ScopeTotal`,
  `DecisionDelay`, `FeedbackCount`, `SearchGapCount`), derived data rebuilt by
  ``bonnefoi.observatory.refresh`` from the cases, the advice feedback and the search log,
  which the observatory only reads. They have no foreign-key constraint in the database
  (millions of rows are rewritten at once); Django still deletes them with their structure,
  procedure or entry. Each rollup row is one *scope* (a structure with its whole subtree, or
  the whole country when ``scope`` is null) × one calendar period (ISO week or month, in local
  time; a quarter is read as three months), so a dashboard reads a handful of rows however
  many cases exist. `ScopeLink` (structure → each of its ancestors, itself and the country) and
  `PeriodDay` (day → the week and month containing it) are the two small lookup tables the
  rebuild joins with.
* **Work of the quality managers**: spike alerts, action plans and their actions, the filing
  volumes an administration declares for its procedures, and the published snapshot of the
  public indicators (every count already checked against the statistical secret).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bonnefoi.core.models import TimeStampedModel
from bonnefoi.observatory.periods import MONTH, QUARTER, WEEK


class Period(models.TextChoices):
    WEEK = WEEK, "Semaine"
    MONTH = MONTH, "Mois"
    QUARTER = QUARTER, "Trimestre"


# ---------------------------------------------------------------------------------------------
# Lookup tables of the rebuild


class PeriodDay(models.Model):
    """One row per day and kind of period: the start of the period containing that day."""

    day = models.DateField()
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "period"], name="observatory_periodday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} → {self.period} {self.start}"


class ScopeLink(models.Model):
    """A structure and one scope it counts in: itself, each ancestor, and the country (null)."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    scope = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        indexes = [models.Index(fields=["structure"])]

    # ---------------------------------------------------------------------------------------------
    # Aggregates (derived data: never edited, only rebuilt)

    def __str__(self) -> str:
        return f"{self.structure_id} → {self.scope_id or 'national'}"


class DayCount(models.Model):
    """The base the rollups are summed from: cases of one local day, structure, procedure and
    frequent error (``entry_key`` 0: not tagged). Received counts on the submission day, the
    decision columns on the decision day. Kept for every day, so that an incremental rebuild
    adds to the rollups the difference between a day's new and old counts, and so that the
    counts of purged cases survive (days before the retention horizon are never recounted)."""

    pk = models.CompositePrimaryKey("day", "structure", "procedure", "entry_key")
    day = models.DateField()
    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    procedure = models.ForeignKey(
        "advice.Procedure",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    entry_key = models.PositiveIntegerField()
    # Plain integers: an incremental rebuild adds differences (see CaseCount).
    received = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    granted = models.IntegerField(default=0)
    waived = models.IntegerField(default=0)
    waived_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    def __str__(self) -> str:
        return f"{self.day} {self.structure_id} {self.procedure_id} {self.entry_key}"


class DayDelay(models.Model):
    """Decisions of one local day and structure taken `days` days after the submission."""

    pk = models.CompositePrimaryKey("day", "structure", "days")
    day = models.DateField()
    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    days = models.PositiveIntegerField()
    decisions = models.IntegerField()  # plain integer: see DayCount

    def __str__(self) -> str:
        return f"{self.day} {self.structure_id} +{self.days} j"


class CaseCount(models.Model):
    """Cases of one scope, period, procedure and frequent error (null: not tagged yet, or
    "autre"). ``received`` counts by submission date; the decision columns by decision date."""

    pk = models.CompositePrimaryKey("scope_key", "period", "start", "procedure", "entry_key")
    scope = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField()
    procedure = models.ForeignKey(
        "advice.Procedure",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    entry = models.ForeignKey(
        "advice.Entry",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Plain integers (no CHECK >= 0): an incremental rebuild proposes negative differences
    # that ON CONFLICT adds to existing rows; the sums themselves never go below zero.
    received = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    granted = models.IntegerField(default=0)
    # Granted decisions where the agent recorded the sanction that was at stake: the sanction
    # the right to error waived, and its amount.
    waived = models.IntegerField(default=0)
    waived_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Non-null copies of the scope (0: the country) and entry (0: not tagged): the key that
    # incremental rebuilds add their differences to, and the index dashboards read.
    scope_key = models.PositiveIntegerField()
    entry_key = models.PositiveIntegerField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rows written in Python (tests, the admin) get their keys from scope and entry.
        if self.scope_key is None:
            self.scope_key = self.scope_id or 0
        if self.entry_key is None:
            self.entry_key = self.entry_id or 0

    def __str__(self) -> str:
        return f"{self.scope_id or 'national'} {self.period} {self.start}"


class ScopeTotal(models.Model):
    """`CaseCount` summed over procedures and frequent errors: what a dashboard without a
    procedure, life-event or error filter reads (trend, totals, per-structure breakdown)."""

    pk = models.CompositePrimaryKey("scope_key", "period", "start")
    scope = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    scope_key = models.PositiveIntegerField()  # 0: the country
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField()
    # Plain integers: see CaseCount.
    received = models.IntegerField(default=0)
    tagged = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    granted = models.IntegerField(default=0)
    waived = models.IntegerField(default=0)
    waived_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    def __str__(self) -> str:
        return f"{self.scope_key} {self.period} {self.start}"


class DecisionDelay(models.Model):
    """How many decisions of one scope and period came `days` days after the submission (in
    calendar days, local time): enough to give an exact median for any scope and period."""

    pk = models.CompositePrimaryKey("scope_key", "period", "start", "days")
    scope = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField()
    days = models.PositiveIntegerField()
    decisions = models.IntegerField()  # no CHECK: see CaseCount
    scope_key = models.PositiveIntegerField()  # 0: the country

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.scope_key is None:
            self.scope_key = self.scope_id or 0

    def __str__(self) -> str:
        return f"{self.scope_id or 'national'} {self.period} {self.start} +{self.days} j"


class FeedbackCount(models.Model):
    """Readers' votes on one advice entry in one period (the entry is national content)."""

    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField()
    entry = models.ForeignKey(
        "advice.Entry",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    useful = models.PositiveIntegerField(default=0)
    not_useful = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["period", "start"])]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.period} {self.start}"


class SearchGapCount(models.Model):
    """Catalogue searches that found nothing, per scope (the administration whose catalogue was
    searched; null: the whole country), period, life event and cleaned query."""

    scope = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField()
    life_event = models.CharField(max_length=80, blank=True)
    query = models.CharField(max_length=200)
    searches = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "period", "start"]),
            models.Index(fields=["period", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.query} {self.period} {self.start}"


class RefreshKind(models.TextChoices):
    FULL = "full", "Complète"
    INCREMENTAL = "incremental", "Incrémentale"


class RefreshRun(models.Model):
    """One rebuild of the aggregates: the next incremental rebuild starts from the last
    finished one (minus a safety margin for transactions still open when it started)."""

    kind = models.CharField(max_length=12, choices=RefreshKind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    periods = models.PositiveIntegerField("périodes recalculées", default=0)
    rows = models.PositiveIntegerField("lignes écrites", default=0)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    # ---------------------------------------------------------------------------------------------
    # Spike alerts

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class SpikeAlert(models.Model):
    """A frequent error whose weekly count rose well above its own recent level
    (rule in ``bonnefoi.observatory.spikes``); addressed to the quality managers of the
    structures that own the entry."""

    entry = models.ForeignKey("advice.Entry", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField("semaine du")
    count = models.PositiveIntegerField("dossiers de la semaine")
    baseline_weeks = models.PositiveSmallIntegerField("semaines de référence")
    baseline_mean = models.DecimalField("moyenne de référence", max_digits=10, decimal_places=2)
    threshold = models.DecimalField("seuil d'alerte", max_digits=10, decimal_places=2)
    created_at = models.DateTimeField("détectée le", auto_now_add=True)
    acknowledged_at = models.DateTimeField("prise en compte le", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "alerte de hausse"
        ordering = ["-week_start", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "week_start"], name="spike_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} / {self.week_start}"


# ---------------------------------------------------------------------------------------------
# Action plans


class ActionKind(models.TextChoices):
    ADVICE = "advice", "Publier ou mettre à jour un conseil"
    FORM = "form", "Simplifier un formulaire"
    LETTER = "letter", "Réécrire un courrier"
    TRAINING = "training", "Former les agents"
    IT_SYSTEM = "it_system", "Corriger un système d'information"
    OTHER = "other", "Autre action"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Réalisée"
    ABANDONED = "abandoned", "Abandonnée"


class ActionPlan(TimeStampedModel):
    """A problem seen in the errors people make (one or more frequent errors, possibly one
    procedure) and what a structure decides to do about it."""

    structure = models.ForeignKey(
        "structures.Structure",
        verbose_name="structure",
        on_delete=models.PROTECT,
        related_name="action_plans",
    )
    title = models.CharField("intitulé du problème", max_length=160)
    problem = models.TextField("le problème constaté")
    entries = models.ManyToManyField(
        "advice.Entry", verbose_name="erreurs fréquentes", related_name="action_plans"
    )
    procedure = models.ForeignKey(
        "advice.Procedure",
        verbose_name="démarche",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_plans",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "plan d'action"
        verbose_name_plural = "plans d'action"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Action(TimeStampedModel):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField("type d'action", max_length=20, choices=ActionKind.choices)
    description = models.TextField("ce qui sera fait")
    owner = models.ForeignKey(
        "structures.Agent",
        verbose_name="responsable",
        on_delete=models.PROTECT,
        related_name="observatory_actions",
    )
    due_on = models.DateField("échéance")
    status = models.CharField(
        "état", max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    completed_on = models.DateField("réalisée le", null=True, blank=True)
    evidence = models.TextField("preuve de réalisation", blank=True)
    # Shown publicly under « Vous nous l'avez signalé, nous avons agi »: no personal data.
    public_summary = models.TextField("ce qui a changé (texte public)", blank=True)

    class Meta:
        verbose_name = "action"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | (Q(completed_on__isnull=False) & ~Q(evidence="") & ~Q(public_summary="")),
                name="action_done_is_documented",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(completed_on__isnull=True),
                name="action_completed_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.plan_id})"


class FilingVolume(TimeStampedModel):
    """How many filings of a procedure a structure received over some days (its own count,
    e.g. from its information system): the denominator of the error rate."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.PROTECT, related_name="filing_volumes"
    )
    procedure = models.ForeignKey(
        "advice.Procedure", on_delete=models.PROTECT, related_name="filing_volumes"
    )
    first_day = models.DateField("du")
    last_day = models.DateField("au")
    filings = models.PositiveIntegerField("dépôts")
    source = models.CharField("source du chiffre", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "volume de dépôts"
        ordering = ["procedure_id", "first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="filing_volume_dates"
            ),
            models.CheckConstraint(condition=Q(filings__gt=0), name="filing_volume_positive"),
        ]


# ---------------------------------------------------------------------------------------------
# Public indicators (published snapshot)


class Measure(models.TextChoices):
    RECEIVED = "received", "Déclarations reçues"
    DECIDED = "decided", "Décisions rendues"
    GRANTED = "granted", "Droit à l'erreur accordé"
    NOT_GRANTED = "not_granted", "Droit à l'erreur non accordé"
    WAIVED = "waived", "Sanctions écartées"
    MEDIAN_DAYS = "median_days", "Délai médian de décision (jours)"
    ERRORS = "errors", "Dossiers de cette erreur fréquente"


class PublishedFigure(models.Model):
    """One public figure of the last publication, already checked against the statistical
    secret: ``value`` null means « secret statistique » (fewer than the threshold, or hidden so
    that no subtraction gives a hidden count back)."""

    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    entry = models.ForeignKey(
        "advice.Entry", on_delete=models.CASCADE, null=True, related_name="+", db_constraint=False
    )
    measure = models.CharField(max_length=12, choices=Measure.choices)
    value = models.PositiveIntegerField(null=True)
    rank = models.PositiveSmallIntegerField(null=True)
    window_start = models.DateField()
    window_end = models.DateField()  # inclusive
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["structure", "measure"])]

    def __str__(self) -> str:
        return f"{self.measure} {self.structure_id or 'national'} {self.entry_id or ''}"
