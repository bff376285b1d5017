"""Incivility reports, a restricted compartment: the report, its follow-up timeline.

A report holds personal data (the agent who reports, witnesses, a narrative of what happened).
It is read only by its reporter and by the incident officers of its structure's subtree
(``abilities.py``); managers see aggregated statistics (``statistics.py``). Every write goes
through ``services.py``, which locks the row and writes the audit log.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bonnefoi.core.models import TimeStampedModel


class Channel(models.TextChoices):
    COUNTER = "counter", "Au guichet"
    PHONE = "phone", "Au téléphone"
    EMAIL = "email", "Par courriel"
    LETTER = "letter", "Par courrier"
    ONLINE = "online", "En ligne (messagerie, réseaux sociaux)"
    OUTSIDE = "outside", "Hors des locaux (abords, déplacement)"


class Gravity(models.TextChoices):
    """The DITP ladder (12 March 2025), from the least to the most serious."""

    INCIVILITY = "incivility", "1 — Incivilité"
    THREAT = "threat", "2 — Menaces ou intimidation"
    SERIOUS_AGGRESSION = "serious_aggression", "3 — Agression grave"
    CRIME = "crime", "4 — Crime"


GRAVITY_HINTS = {
    Gravity.INCIVILITY: "Insultes ou provocations sans menace, bruit, petite dégradation (graffiti).",
    Gravity.THREAT: "Menaces, intimidation, pressions.",
    Gravity.SERIOUS_AGGRESSION: "Coups, menace avec une arme.",
    Gravity.CRIME: "Faits les plus graves (atteinte à la vie, viol, séquestration…).",
}


class Category(models.TextChoices):
    VERBAL = "verbal", "Verbale"
    WRITTEN_ONLINE = "written_online", "Écrite ou en ligne"
    PHYSICAL = "physical", "Physique"
    PROPERTY_DAMAGE = "property_damage", "Atteinte aux biens"
    DISCRIMINATION_HARASSMENT = "discrimination_harassment", "Discrimination ou harcèlement"
    DEFAMATION = "defamation", "Diffamation"


class AuthorKind(models.TextChoices):
    UNKNOWN = "unknown", "Inconnu"
    IDENTIFIED_USER = "identified_user", "Usager identifié"
    OTHER = "other", "Autre personne"


class Status(models.TextChoices):
    REPORTED = "reported", "Signalé, en attente de prise en compte"
    ACKNOWLEDGED = "acknowledged", "Pris en compte, suivi en cours"
    CLOSED = "closed", "Clos, réponse envoyée"


class ProtectionStatus(models.TextChoices):
    NONE = "none", "Non demandée"
    REQUESTED = "requested", "Demandée, en attente de décision"
    GRANTED = "granted", "Accordée"
    REFUSED = "refused", "Refusée"


# Consequences and immediate measures: (field name, French label), in form order.
CONSEQUENCES = (
    ("injury", "Blessure"),
    ("sick_leave", "Arrêt de travail"),
    ("property_damage", "Dégâts matériels"),
    ("service_interruption", "Interruption du service"),
)
IMMEDIATE_MEASURES = (
    ("security_called", "Agent de sécurité appelé"),
    ("police_called", "Police ou gendarmerie appelée"),
)


class IncidentReportQuerySet(models.QuerySet):
    def closed_before(self, moment):
        return self.filter(status=Status.CLOSED, closed_at__lt=moment)


class IncidentReport(TimeStampedModel):
    """What an agent reports about one incident, and where its follow-up stands.

    The follow-up steps themselves are ``IncidentEvent`` rows (the timeline); the fields below
    summarise them for lists, statistics and the state rules of the services.
    """

    structure = models.ForeignKey(
        "structures.Structure",
        verbose_name="site",
        on_delete=models.PROTECT,
        related_name="incident_reports",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agent qui signale",
        on_delete=models.PROTECT,
        related_name="incident_reports",
    )
    occurred_at = models.DateTimeField("date et heure des faits", db_index=True)
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    gravity = models.CharField("gravité", max_length=20, choices=Gravity.choices)
    category = models.CharField("nature", max_length=32, choices=Category.choices)
    narrative = models.TextField("récit des faits")
    author_kind = models.CharField("auteur", max_length=20, choices=AuthorKind.choices)
    author_details = models.TextField("précisions sur l'auteur", blank=True)
    witnesses = models.TextField("témoins", blank=True)
    injury = models.BooleanField("blessure", default=False)
    sick_leave = models.BooleanField("arrêt de travail", default=False)
    property_damage = models.BooleanField("dégâts matériels", default=False)
    service_interruption = models.BooleanField("interruption du service", default=False)
    security_called = models.BooleanField("agent de sécurité appelé", default=False)
    police_called = models.BooleanField("police ou gendarmerie appelée", default=False)

    status = models.CharField(
        "état", max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    acknowledged_at = models.DateTimeField("pris en compte le", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pris en compte par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    complaint_by_agent = models.BooleanField("plainte de l'agent", default=False)
    complaint_by_administration = models.BooleanField("plainte de l'administration", default=False)
    protection_status = models.CharField(
        "protection fonctionnelle",
        max_length=20,
        choices=ProtectionStatus.choices,
        default=ProtectionStatus.NONE,
    )
    prosecutor_reported_on = models.DateField(
        "signalé au procureur (article 40 CPP) le", null=True, blank=True
    )
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="clos par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closing_answer = models.TextField("réponse écrite à l'agent", blank=True)

    objects = IncidentReportQuerySet.as_manager()

    class Meta:
        verbose_name = "signalement d'incivilité"
        verbose_name_plural = "signalements d'incivilités"
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["structure", "occurred_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED)
                | (Q(closed_at__isnull=False) & ~Q(closing_answer="")),
                name="incidents_closed_has_answer",
                violation_error_message="Un signalement clos porte sa date et sa réponse écrite.",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.REPORTED) | Q(acknowledged_at__isnull=False),
                name="incidents_followed_up_was_acknowledged",
                violation_error_message="Un signalement suivi a d'abord été pris en compte.",
            ),
        ]

    def __str__(self) -> str:
        return f"Signalement n° {self.pk} du {self.occurred_at:%d/%m/%Y}"

    @property
    def consequences(self) -> list[str]:
        return [label for name, label in CONSEQUENCES if getattr(self, name)]

    @property
    def immediate_measures(self) -> list[str]:
        return [label for name, label in IMMEDIATE_MEASURES if getattr(self, name)]

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class EventKind(models.TextChoices):
    REPORTED = "reported", "Signalement reçu"
    ACKNOWLEDGED = "acknowledged", "Prise en compte par l'encadrement"
    SUPPORT_OFFERED = "support_offered", "Soutien proposé à l'agent"
    COMPLAINT_FILED = "complaint_filed", "Plainte déposée"
    PROTECTION_REQUESTED = "protection_requested", "Protection fonctionnelle demandée"
    PROTECTION_DECIDED = "protection_decided", "Décision sur la protection fonctionnelle"
    PROSECUTOR_REPORTED = "prosecutor_reported", "Signalement au procureur (article 40 CPP)"
    CLOSED = "closed", "Clôture et réponse à l'agent"


class SupportKind(models.TextChoices):
    INTERVIEW = "interview", "Entretien avec l'encadrement"
    MEDICAL = "medical", "Prise en charge médicale"
    PSYCHOLOGICAL = "psychological", "Soutien psychologique"


class Complainant(models.TextChoices):
    AGENT = "agent", "Par l'agent"
    ADMINISTRATION = "administration", "Par l'administration"


class ProtectionDecision(models.TextChoices):
    GRANTED = "granted", "Accordée"
    REFUSED = "refused", "Refusée"


# Legal references (keys of data/references.toml) cited by each step of the timeline.
EVENT_REFERENCES: dict[str, tuple[str, ...]] = {
    EventKind.REPORTED: ("circulaire-sgg-1627-17", "ditp-typologie-2025"),
    EventKind.SUPPORT_OFFERED: ("cgfp-l134-5",),
    EventKind.COMPLAINT_FILED: ("code-penal-433-5", "loi-2023-22-plainte-employeur"),
    EventKind.PROTECTION_REQUESTED: ("cgfp-l134-1-a-l134-12", "cgfp-l134-5"),
    EventKind.PROTECTION_DECIDED: ("cgfp-l134-5", "cgfp-faute-detachable"),
    EventKind.PROSECUTOR_REPORTED: ("cpp-art-40",),
}


class IncidentEvent(models.Model):
    """One dated step of a report's follow-up, written by a service (never edited)."""

    report = models.ForeignKey(
        IncidentReport, verbose_name="signalement", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("étape", max_length=32, choices=EventKind.choices)
    happened_on = models.DateField("date")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisi par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.CharField("précision", max_length=40, blank=True)
    note = models.TextField("commentaire", blank=True)
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "étape du suivi"
        verbose_name_plural = "étapes du suivi"
        ordering = ["happened_on", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.happened_on:%d/%m/%Y})"

    @property
    def detail_label(self) -> str:
        """The French label of ``detail`` (support kind, complainant or decision)."""
        for choices in (SupportKind, Complainant, ProtectionDecision):
            if self.detail in choices.values:
                return choices(self.detail).label
        return ""

    @property
    def reference_keys(self) -> tuple[str, ...]:
        return EVENT_REFERENCES.get(self.kind, ())
