"""Training of agents: a catalogue of modules, completion records with their evidence, and the
imports of training providers' exports (docs/adr/0009-kit-d-identification-et-formation.md)."""

import calendar
import datetime as dt
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bonnefoi.core.models import TimeStampedModel

MODULE_CODE_VALIDATOR = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Le code s'écrit en minuscules sans accent, chiffres et tirets (par exemple « accueil-bienveillant »).",
)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of a shorter month (31 Jan + 1 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Topic(models.TextChoices):
    RIGHT_TO_ERROR = "right_to_error", "Loi ESSOC et droit à l'erreur"
    RECEPTION = "reception", "Accueil bienveillant"
    INCIVILITIES = "incivilities", "Incivilités : détecter, signaler, gérer"
    OTHER = "other", "Autre thème"


class ModuleQuerySet(models.QuerySet):
    def available_to(self, structure):
        """Modules of the platform catalogue plus those added by ``structure`` or an ancestor."""
        return self.filter(
            Q(owner__isnull=True) | Q(owner_id__in=[*structure.ancestor_ids, structure.pk])
        )


class TrainingModule(TimeStampedModel):
    """A training module. ``owner`` empty: the platform catalogue, for every structure;
    otherwise a module added by a structure for its own subtree."""

    code = models.CharField(
        "code",
        max_length=60,
        unique=True,
        validators=[MODULE_CODE_VALIDATOR],
        help_text="Identifiant stable, repris tel quel dans les exports des organismes de formation.",
    )
    title = models.CharField("intitulé", max_length=200)
    topic = models.CharField("thème", max_length=32, choices=Topic.choices)
    description = models.TextField("objectifs", blank=True)
    mandatory = models.BooleanField(
        "obligatoire",
        default=False,
        help_text="Compté dans la couverture des agents de premier accueil et des encadrants.",
    )
    refresher_months = models.PositiveSmallIntegerField(
        "recyclage (mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Durée de validité d'une formation ; vide si elle n'a pas à être renouvelée.",
    )
    owner = models.ForeignKey(
        "structures.Structure",
        verbose_name="structure qui a ajouté le module",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_modules",
    )
    # Official basis, as data (law as data): empty when the module has none.
    basis_label = models.CharField("fondement", max_length=300, blank=True)
    basis_url = models.URLField("adresse du fondement", blank=True)
    basis_version_date = models.DateField("version du texte", null=True, blank=True)
    basis_verified = models.BooleanField(
        "fondement vérifié",
        default=False,
        help_text="Décoché tant que le texte n'a pas été relu sur sa source officielle.",
    )
    is_active = models.BooleanField("proposé", default=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        verbose_name = "module de formation"
        verbose_name_plural = "modules de formation"
        ordering = ["-mandatory", "title"]

    def __str__(self) -> str:
        return self.title

    def valid_until(self, completed_on: dt.date) -> dt.date | None:
        """Last day a completion counts; None when the module needs no refresher."""
        if self.refresher_months is None:
            return None
        return add_months(completed_on, self.refresher_months) - dt.timedelta(days=1)


class ImportBatch(TimeStampedModel):
    """One upload of a provider's export: what was imported and the per-line error report."""

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="importé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filename = models.CharField("fichier", max_length=255)
    source = models.CharField("origine", max_length=20, default="backoffice")
    lines_read = models.PositiveIntegerField("lignes lues", default=0)
    imported = models.PositiveIntegerField("lignes importées", default=0)
    rejected = models.PositiveIntegerField("lignes refusées", default=0)
    errors = models.JSONField("rapport d'erreurs", default=list, blank=True)

    class Meta:
        verbose_name = "import de formations"
        verbose_name_plural = "imports de formations"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y})"


def evidence_path(instance, filename: str) -> str:
    """The former names under MEDIA_ROOT (agent, year, module: guessable); kept because
    migration 0001 refers to it. Migration 0003 moves such files to ``evidence_storage``."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"training/evidence/{instance.agent_id}/{timezone.localdate():%Y}/{instance.module_id}.{suffix}"


class EvidenceStorage(FileSystemStorage):
    """Attestations live under ``TRAINING_EVIDENCE_ROOT``, outside the web root, and have no URL:
    ``views.evidence`` serves them after a permission check and writes the read to the audit
    log. The root follows the setting at each use (tests point it to a temporary directory)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("directory_permissions_mode", 0o700)
        kwargs.setdefault("file_permissions_mode", 0o600)
        super().__init__(**kwargs)

    @property
    def base_location(self):
        configured = getattr(settings, "TRAINING_EVIDENCE_ROOT", None)
        root = Path(configured or Path(settings.VAR_DIR) / "private" / "training-evidence")
        for web_root in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
            if web_root and root.resolve().is_relative_to(Path(web_root).resolve()):
                raise ImproperlyConfigured(
                    "TRAINING_EVIDENCE_ROOT doit être hors de MEDIA_ROOT et de STATIC_ROOT."
                )
        return str(root)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Les attestations de formation n'ont pas d'adresse publique.")


def evidence_storage() -> EvidenceStorage:
    """Callable used by ``Completion.evidence_file`` (keeps the location out of migrations)."""
    return EvidenceStorage()


def evidence_upload_to(instance, filename: str) -> str:
    """A random name: "ab/<32 URL-safe characters>.pdf", nothing about the agent or module."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not (suffix.isascii() and suffix.isalnum() and len(suffix) <= 5):
        suffix = "bin"
    return f"{secrets.token_hex(1)}/{secrets.token_urlsafe(24)}.{suffix}"


class Completion(TimeStampedModel):
    """An agent completed a module on a date; evidence is a file, a reference, or the import."""

    agent = models.ForeignKey(
        "structures.Agent",
        verbose_name="agent",
        on_delete=models.PROTECT,
        related_name="training_completions",
    )
    module = models.ForeignKey(
        TrainingModule, verbose_name="module", on_delete=models.PROTECT, related_name="completions"
    )
    completed_on = models.DateField("date de la formation")
    provider = models.CharField("organisme de formation", max_length=200)
    evidence_reference = models.CharField(
        "référence de l'attestation",
        max_length=200,
        blank=True,
        help_text="Numéro d'attestation ou de session donné par l'organisme.",
    )
    evidence_file = models.FileField(
        "attestation",
        storage=evidence_storage,
        upload_to=evidence_upload_to,
        blank=True,
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name="import",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="completions",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "formation suivie"
        verbose_name_plural = "formations suivies"
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "module", "completed_on"],
                name="training_completion_once_a_day",
                violation_error_message="Cette formation est déjà enregistrée pour cet agent à cette date.",
            ),
            models.CheckConstraint(
                condition=~Q(evidence_reference="")
                | ~Q(evidence_file="")
                | Q(import_batch__isnull=False),
                name="training_completion_has_evidence",
                violation_error_message="Joignez l'attestation ou indiquez sa référence.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} — {self.completed_on:%d/%m/%Y}"

    @property
    def valid_until(self) -> dt.date | None:
        return self.module.valid_until(self.completed_on)
