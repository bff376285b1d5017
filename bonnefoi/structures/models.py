"""The structure tree (network > administration > service > site), agents and the register of
anonymity exceptions to the identification rule (CRPA L111-2)."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from bonnefoi.core.deadlines import Zone, zone_for_commune_insee
from bonnefoi.core.models import TimeStampedModel

PATH_STEP = 10  # each tree level adds a zero-padded 9-digit id and a "/" to the path

COMMUNE_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
COMMUNE_INSEE_VALIDATOR = RegexValidator(
    COMMUNE_INSEE_RE.pattern,
    "Le code commune INSEE compte 5 caractères : des chiffres, ou 2A / 2B suivis de 3 chiffres "
    "pour la Corse.",
)
POSTAL_CODE_VALIDATOR = RegexValidator(r"^\d{5}$", "Le code postal compte 5 chiffres.")


class StructureKind(models.TextChoices):
    NETWORK = "network", "Réseau"
    ADMINISTRATION = "administration", "Administration"
    SERVICE = "service", "Service"
    SITE = "site", "Site d'accueil"


# Which kinds may hold which: a network is always a root; a site is always a leaf.
ALLOWED_PARENT_KINDS: dict[str, set[str]] = {
    StructureKind.NETWORK: set(),
    StructureKind.ADMINISTRATION: {StructureKind.NETWORK, StructureKind.ADMINISTRATION},
    StructureKind.SERVICE: {StructureKind.ADMINISTRATION, StructureKind.SERVICE},
    StructureKind.SITE: {StructureKind.ADMINISTRATION, StructureKind.SERVICE},
}


PATH_RE = re.compile(r"^(?:\d{9}/)+$")


class TreePathField(models.CharField):
    """Materialised path ("000000001/000000007/") with an index-friendly prefix lookup."""


@TreePathField.register_lookup
class TreePrefix(models.Lookup):
    """``path__tree_prefix=p``: paths starting with ``p``, served from the path index.

    PostgreSQL uses the ``varchar_pattern_ops`` index Django adds for ``LIKE 'p%'`` under any
    collation. SQLite's LIKE is case-insensitive and never uses an index; its case-sensitive GLOB
    does. Paths hold only digits and "/", so neither pattern needs escaping.
    """

    lookup_name = "tree_prefix"

    def get_prep_lookup(self):
        if not isinstance(self.rhs, str) or not PATH_RE.match(self.rhs):
            raise ValueError(f"Chemin de structure invalide : {self.rhs!r}.")
        return self.rhs

    def _compile(self, compiler, connection, operator: str, wildcard: str):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {operator} {rhs}", [*lhs_params, *(p + wildcard for p in rhs_params)]

    def as_sql(self, compiler, connection):
        return self._compile(compiler, connection, "LIKE", "%")

    def as_sqlite(self, compiler, connection):
        return self._compile(compiler, connection, "GLOB", "*")


class StructureQuerySet(models.QuerySet):
    def subtree_of(self, structure: "Structure"):
        """The structure and every structure below it."""
        return self.filter(path__tree_prefix=structure.path)

    def subtrees_of(self, structures):
        condition = Q(pk__in=[])
        for structure in structures:
            condition |= Q(path__tree_prefix=structure.path)
        return self.filter(condition)


class Structure(TimeStampedModel):
    """A node of the public-service tree, with a materialised path for cheap subtree queries.

    ``path`` is made of the ids of the ancestors and of the node itself ("000000001/000000007/");
    it is written by ``structures.services`` only.
    """

    kind = models.CharField("type", max_length=20, choices=StructureKind.choices)
    name = models.CharField("nom", max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name="structure parente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = TreePathField("chemin", max_length=255, unique=True, editable=False)
    sp_code = models.CharField(
        "code Services Publics+",
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text="Code de la structure dans le référentiel Services Publics+ (DITP).",
    )
    street_address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField(
        "code postal", max_length=5, blank=True, validators=[POSTAL_CODE_VALIDATOR]
    )
    city = models.CharField("commune", max_length=100, blank=True)
    commune_insee = models.CharField(
        "code commune INSEE", max_length=5, blank=True, validators=[COMMUNE_INSEE_VALIDATOR]
    )

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_STEP

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent (the node itself excluded)."""
        return [int(part) for part in self.path.split("/") if part][:-1]

    @property
    def holiday_zone(self) -> Zone:
        """Zone of the public-holiday calendar used for this structure's deadlines.

        Read from the commune INSEE code; a structure without one (e.g. a national network)
        follows the metropolitan calendar.
        """
        if not self.commune_insee:
            return Zone.METROPOLE
        return zone_for_commune_insee(self.commune_insee)

    @property
    def postal_address(self) -> str:
        parts = [self.street_address, f"{self.postal_code} {self.city}".strip()]
        return ", ".join(part for part in parts if part)

    def clean(self):
        super().clean()
        if self.commune_insee and COMMUNE_INSEE_RE.match(self.commune_insee):
            try:
                zone_for_commune_insee(self.commune_insee)
            except ValueError:
                raise ValidationError(
                    {
                        "commune_insee": "Ce code commune n'a pas encore de calendrier des jours "
                        "fériés (Saint-Pierre-et-Miquelon et collectivités du Pacifique ne sont "
                        "pas pris en charge)."
                    }
                ) from None
        allowed = ALLOWED_PARENT_KINDS.get(self.kind, set())
        if self.parent is None and self.kind != StructureKind.NETWORK:
            raise ValidationError(
                {
                    "parent": "Seul un réseau peut être à la racine : choisissez une structure parente."
                }
            )
        if self.parent is not None and self.parent.kind not in allowed:
            raise ValidationError(
                {
                    "parent": f"Un(e) {self.get_kind_display().lower()} ne peut pas être rattaché(e) "
                    f"à un(e) {self.parent.get_kind_display().lower()}."
                }
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path):
            raise ValidationError(
                {
                    "parent": "Une structure ne peut pas être rattachée à l'une de ses sous-structures."
                }
            )
        if self.pk:
            # A change of kind must keep the children where they may stand (a site stays a leaf).
            refused = {
                kind
                for kind in self.children.values_list("kind", flat=True)
                if self.kind not in ALLOWED_PARENT_KINDS.get(kind, set())
            }
            if refused:
                labels = ", ".join(sorted(StructureKind(kind).label.lower() for kind in refused))
                raise ValidationError(
                    {
                        "kind": f"Un(e) {self.get_kind_display().lower()} ne peut pas accueillir "
                        f"les sous-structures de celle-ci ({labels})."
                    }
                )


PSEUDONYM_RE = re.compile(r"^Agent [0-9A-HJ-NP-Z]{4}$")


class Agent(TimeStampedModel):
    """A public servant in contact with the public, identified by name and service (CRPA L111-2).

    ``pseudonym`` is generated once and never changes, so that an agent under an anonymity
    exception is always shown under the same public name.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="compte",
        on_delete=models.PROTECT,
        related_name="agent",
    )
    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="agents"
    )
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    position = models.CharField(
        "qualité", max_length=150, help_text="Fonction de l'agent, par exemple « Conseiller »."
    )
    pseudonym = models.CharField(
        "pseudonyme",
        max_length=10,
        unique=True,
        editable=False,
        help_text="Nom public stable, utilisé uniquement si une exception d'anonymat est en cours.",
    )
    # Populations of the training coverage (docs/adr/0009-kit-d-identification-et-formation.md):
    # HR facts kept apart from the tool's roles, which say what someone may do in Bonne foi.
    front_line = models.BooleanField(
        "agent de premier accueil",
        default=True,
        help_text="Reçoit ou répond au public (guichet, téléphone, courriels).",
    )
    manager = models.BooleanField(
        "encadrant",
        default=False,
        help_text="Encadre une équipe ou un site (manager de proximité, chef de service).",
    )

    class Meta:
        verbose_name = "agent"
        verbose_name_plural = "agents"
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AnonymityGround(models.TextChoices):
    """The two legal grounds of CRPA L111-2 for keeping an agent anonymous."""

    PUBLIC_SECURITY = "public_security", "Sécurité publique"
    PERSONAL_SAFETY = "personal_safety", "Sécurité des personnes"


class AnonymityExceptionQuerySet(models.QuerySet):
    def in_force(self, on: dt.date):
        # An exception ended early still protects the agent until the day before ``revoked_from``.
        return self.filter(valid_from__lte=on, valid_until__gte=on).filter(
            Q(revoked_at__isnull=True) | Q(revoked_from__gt=on)
        )


class AnonymityException(TimeStampedModel):
    """A register entry: this agent is shown by pseudonym, for this legal ground, over these dates."""

    agent = models.ForeignKey(
        Agent, verbose_name="agent", on_delete=models.PROTECT, related_name="anonymity_exceptions"
    )
    ground = models.CharField("motif légal", max_length=32, choices=AnonymityGround.choices)
    justification = models.TextField(
        "justification écrite",
        help_text="Faits qui justifient l'exception (menaces reçues, mission exposée…).",
    )
    valid_from = models.DateField("début")
    valid_until = models.DateField("fin")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="approuvé par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("levée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="levée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField("motif de la levée", blank=True)
    revoked_from = models.DateField(
        "nommé à nouveau à partir du",
        null=True,
        blank=True,
        help_text="Premier jour où l'agent est de nouveau identifié par son nom.",
    )

    objects = AnonymityExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = "exception d'anonymat"
        verbose_name_plural = "registre des exceptions d'anonymat"
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="structures_anonymity_dates_ordered",
                violation_error_message="La date de fin doit suivre la date de début.",
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.valid_from} → {self.valid_until}"
        return f"{self.agent.pseudonym} — {self.get_ground_display()} ({period})"

    def is_in_force(self, on: dt.date) -> bool:
        if not self.valid_from <= on <= self.valid_until:
            return False
        return self.revoked_at is None or (self.revoked_from is not None and on < self.revoked_from)
