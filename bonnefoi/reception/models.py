"""Premises of the reception sites: versioned checklists, audits, photos, corrective actions.

A checklist version is data (``bonnefoi/reception/data/checklist-vN.toml``) synced into
``ChecklistVersion`` and ``Criterion``; an audit points at the version it was made with, and a
version that has served is frozen (``checklists.sync_checklists``), so old audits keep theirs.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from bonnefoi.core.models import TimeStampedModel
from bonnefoi.reception.photos import photo_storage
from bonnefoi.structures.models import StructureKind


class ChecklistVersionQuerySet(models.QuerySet):
    def in_force(self, on: dt.date):
        """The version in force on a date: the latest one that had started."""
        return self.filter(valid_from__lte=on).order_by("-valid_from", "-number").first()


class ChecklistVersion(models.Model):
    """One wording of the commitment turned into a checklist (file ``checklist-v{number}.toml``)."""

    number = models.PositiveSmallIntegerField("version", unique=True)
    title = models.CharField("titre", max_length=200)
    commitment = models.CharField("engagement", max_length=200)
    valid_from = models.DateField("en vigueur à partir du")
    audit_period_months = models.PositiveSmallIntegerField(
        "périodicité des audits (mois)",
        null=True,
        blank=True,
        help_text="Vide : la valeur du réglage RECEPTION_AUDIT_PERIOD_MONTHS.",
    )
    source_url = models.URLField("source", max_length=500)
    unverified = models.BooleanField("à vérifier", default=False)
    note = models.TextField("note", blank=True)
    content_hash = models.CharField("empreinte du contenu", max_length=64)
    synced_at = models.DateTimeField("synchronisée le", auto_now=True)

    objects = ChecklistVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "version de la grille des locaux"
        verbose_name_plural = "versions de la grille des locaux"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Grille n° {self.number} — {self.title}"


class Criterion(models.Model):
    """One line of a checklist version. ``key`` keeps its meaning from one version to the next."""

    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="criteria"
    )
    key = models.SlugField("identifiant", max_length=60)
    position = models.PositiveSmallIntegerField("rang")
    theme = models.CharField("thème", max_length=100)
    label = models.CharField("critère", max_length=200)
    help_text = models.TextField("ce qu'on regarde", blank=True)
    # [{code, article, version_date, url, unverified, note}], as in the TOML file.
    references = models.JSONField("références", default=list, blank=True)

    class Meta:
        verbose_name = "critère"
        verbose_name_plural = "critères"
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "key"], name="reception_criterion_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class AuditKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", "Autoévaluation"
    MYSTERY_VISIT = "mystery_visit", "Visite mystère"


class Rating(models.TextChoices):
    MET = "met", "Respecté"
    PARTLY_MET = "partly_met", "Partiellement respecté"
    NOT_MET = "not_met", "Non respecté"
    NOT_APPLICABLE = "not_applicable", "Sans objet"


class Audit(TimeStampedModel):
    """An assessment of one reception site against one checklist version. Never edited: a new
    visit is a new audit. ``score`` is stored (see ``scoring.audit_score``) for the network view."""

    site = models.ForeignKey(
        "structures.Structure",
        verbose_name="site d'accueil",
        on_delete=models.PROTECT,
        related_name="premises_audits",
        limit_choices_to={"kind": StructureKind.SITE},
    )
    checklist = models.ForeignKey(
        ChecklistVersion, verbose_name="grille", on_delete=models.PROTECT, related_name="audits"
    )
    kind = models.CharField("type d'audit", max_length=20, choices=AuditKind.choices)
    visited_on = models.DateField("date de la visite")
    conducted_by = models.CharField(
        "réalisé par",
        max_length=150,
        blank=True,
        help_text="Pour une visite mystère : le prestataire ou le service qui l'a faite.",
    )
    summary = models.TextField("synthèse", blank=True)
    score = models.DecimalField("score (%)", max_digits=5, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "audit des locaux"
        verbose_name_plural = "audits des locaux"
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["site", "-visited_on"], name="reception_audit_site_date")]

    def __str__(self) -> str:
        return f"{self.site} — {self.get_kind_display()} du {self.visited_on:%d/%m/%Y}"


class CriterionResult(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(
        Criterion, verbose_name="critère", on_delete=models.PROTECT, related_name="results"
    )
    rating = models.CharField("appréciation", max_length=20, choices=Rating.choices)
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "résultat d'un critère"
        verbose_name_plural = "résultats des critères"
        ordering = ["audit", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "criterion"], name="reception_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} : {self.get_rating_display()}"


class AuditPhoto(models.Model):
    """A photo attached to a result: re-encoded without metadata, stored under a random name
    outside the web root, served only by ``views.photo``."""

    result = models.ForeignKey(CriterionResult, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        "photo", storage=photo_storage, upload_to="audits/%Y/%m/", max_length=200
    )
    content_type = models.CharField(
        "type", max_length=20, choices=[("image/jpeg", "JPEG"), ("image/png", "PNG")]
    )
    width = models.PositiveIntegerField("largeur")
    height = models.PositiveIntegerField("hauteur")
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposée par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "photo d'audit"
        verbose_name_plural = "photos d'audit"
        ordering = ["result", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} — {self.result.criterion}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "À faire"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Faite"
    CANCELLED = "cancelled", "Abandonnée"


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class CorrectiveActionQuerySet(models.QuerySet):
    def still_open(self):
        return self.filter(status__in=OPEN_ACTION_STATUSES)

    def overdue(self, today: dt.date):
        return self.still_open().filter(due_on__lt=today)


class CorrectiveAction(TimeStampedModel):
    """What will be done about a criterion of an audit, by whom and by when."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="actions")
    criterion = models.ForeignKey(
        Criterion, verbose_name="critère", on_delete=models.PROTECT, related_name="actions"
    )
    description = models.TextField("action")
    owner = models.ForeignKey(
        "structures.Agent",
        verbose_name="responsable",
        on_delete=models.PROTECT,
        related_name="premises_actions",
    )
    due_on = models.DateField("échéance")
    status = models.CharField(
        "état", max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_on = models.DateField("faite le", null=True, blank=True)
    follow_up = models.TextField("suivi", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action corrective"
        verbose_name_plural = "actions correctives"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", completed_on__isnull=False)
                | (~Q(status="done") & Q(completed_on__isnull=True)),
                name="reception_action_completed_on_iff_done",
                violation_error_message="Une action faite porte sa date de réalisation, et elle seule.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} — {self.description[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES


class AuditReminder(models.Model):
    """A reminder sent for one site and one due date: each due date is reminded once."""

    site = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="premises_reminders"
    )
    due_on = models.DateField("audit attendu le")
    recipients = models.PositiveSmallIntegerField("destinataires")
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "rappel d'audit"
        verbose_name_plural = "rappels d'audit"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "due_on"], name="reception_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.site} — audit attendu le {self.due_on:%d/%m/%Y}"
