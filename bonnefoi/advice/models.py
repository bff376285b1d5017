"""Advice catalogue: frequent errors, the advice against them, and their editorial life.

An `Entry` row is the working copy editors change; what the public reads is the entry's
`current_version`, an immutable `EntryVersion` snapshot written by each publication.
"""

from django.db import models
from django.db.models import Q

from bonnefoi.core.models import TimeStampedModel
from bonnefoi.rules.enums import Sector
from bonnefoi.structures.models import Structure


class Audience(models.TextChoices):
    PARTICULIER = "particulier", "Particuliers"
    PROFESSIONNEL = "professionnel", "Professionnels"
    ASSOCIATION = "association", "Associations"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    IN_REVIEW = "in_review", "En relecture"
    PUBLISHED = "published", "Publié"
    ARCHIVED = "archived", "Archivé"


class ChangeKind(models.TextChoices):
    MAJOR = "major", "Modification importante"
    MINOR = "minor", "Correction mineure"


# Working-copy states in which an entry with a published version stays public: while its next
# version is drafted or reviewed, the public keeps reading the last published one.
PUBLIC_STATUSES = (EntryStatus.PUBLISHED, EntryStatus.DRAFT, EntryStatus.IN_REVIEW)


def public_entries_q(prefix: str = "") -> Q:
    """The one rule of what the public reads, as a filter on entries reached through `prefix`
    (e.g. "entries__" from a life event): a published version, not archived."""
    return Q(**{f"{prefix}status__in": PUBLIC_STATUSES, f"{prefix}current_version__isnull": False})


class LifeEvent(TimeStampedModel):
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    audience = models.CharField("public", max_length=20, choices=Audience.choices)
    title = models.CharField("intitulé", max_length=120)
    summary = models.CharField("résumé", max_length=300)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "événement de vie"
        verbose_name_plural = "événements de vie"
        ordering = ["audience", "position", "title"]

    def __str__(self):
        return self.title


class Procedure(TimeStampedModel):
    """A démarche, with its owning administrations and official online service."""

    slug = models.SlugField("identifiant", max_length=80, unique=True)
    title = models.CharField("intitulé", max_length=160)
    owners = models.ManyToManyField(
        Structure, verbose_name="administrations responsables", related_name="advice_procedures"
    )
    online_service_url = models.URLField("service en ligne officiel", max_length=500)
    # The right-to-error engine's sector for errors in this procedure (pre-fills the agent's
    # decision form in the correction channel); blank when none fits.
    engine_sector = models.CharField(
        "secteur du moteur du droit à l'erreur",
        max_length=20,
        blank=True,
        choices=[(sector.value, sector.value) for sector in Sector],
    )

    class Meta:
        verbose_name = "démarche"
        verbose_name_plural = "démarches"
        ordering = ["title"]

    def __str__(self):
        return self.title


class LegalReference(TimeStampedModel):
    """A legal text the advice cites. `key` is shared with the rules engine's references
    (bonnefoi/rules/data/references.toml) so that both speak of the same article."""

    key = models.SlugField("identifiant", max_length=80, unique=True)
    code = models.CharField("code ou texte", max_length=160)
    article = models.CharField("article", max_length=80)
    paragraph = models.CharField("alinéa ou paragraphe", max_length=80, blank=True)
    url = models.URLField("lien Légifrance ou source", max_length=500)
    unverified = models.BooleanField("à vérifier", default=False)
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "référence juridique"
        verbose_name_plural = "références juridiques"
        ordering = ["code", "article"]

    def __str__(self):
        text = f"{self.code}, article {self.article}"
        return f"{text} ({self.paragraph})" if self.paragraph else text

    @property
    def current_version(self):
        return self.versions.order_by("-version_date").first()


class LegalReferenceVersion(models.Model):
    """A dated version of a legal text. Registering one puts dependent entries under review."""

    reference = models.ForeignKey(LegalReference, on_delete=models.CASCADE, related_name="versions")
    version_date = models.DateField("version du")
    summary = models.TextField("ce qui change", blank=True)
    registered_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "version d'une référence juridique"
        ordering = ["reference", "-version_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "version_date"], name="advice_reference_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.reference} — version du {self.version_date:%d/%m/%Y}"


class RuleWatch(models.Model):
    """The engine rule version the catalogue was last checked against, per engine rule id."""

    rule_id = models.CharField("règle du moteur", max_length=80, unique=True)
    version_id = models.CharField("dernière version connue", max_length=120)
    checked_at = models.DateTimeField("vérifiée le", auto_now=True)

    class Meta:
        verbose_name = "règle du moteur suivie"
        verbose_name_plural = "règles du moteur suivies"

    def __str__(self):
        return f"{self.rule_id} ({self.version_id})"


class EntryQuerySet(models.QuerySet):
    def published(self):
        """What the public reads: entries with a published version that are not archived. An
        entry under revision (draft or in review again) keeps showing its last published
        version until the next publication."""
        return self.filter(public_entries_q()).select_related("current_version")

    def owned_by_subtree_of(self, structures):
        """Entries owned by one of `structures` or by a structure under one of them."""
        condition = Q()
        for structure in structures:
            condition |= Q(owners__path__tree_prefix=structure.path)
        return self.filter(condition).distinct() if condition else self.none()


class Entry(TimeStampedModel):
    """A frequent error and the advice against it (the working copy editors change)."""

    slug = models.SlugField("identifiant", max_length=120, unique=True)
    audience = models.CharField("public", max_length=20, choices=Audience.choices)
    title = models.CharField(
        "l'erreur, à la première personne",
        max_length=200,
        help_text="Comme les gens la commettent : « J'oublie de déclarer… ».",
    )
    consequence = models.TextField("ce que l'erreur entraîne")
    advice = models.TextField("le conseil pour l'éviter")
    fix = models.TextField("comment la corriger si elle est faite")
    example = models.TextField("exemple", blank=True)
    links = models.JSONField("liens officiels", default=list)  # [{"label": ..., "url": ...}]
    life_events = models.ManyToManyField(
        LifeEvent, verbose_name="événements de vie", related_name="entries"
    )
    procedures = models.ManyToManyField(
        Procedure, verbose_name="démarches", related_name="entries", blank=True
    )
    owners = models.ManyToManyField(
        Structure, verbose_name="administrations responsables", related_name="advice_entries"
    )
    legal_references = models.ManyToManyField(
        LegalReference, verbose_name="références juridiques", related_name="entries", blank=True
    )
    rule_ids = models.JSONField("règles du moteur dont il dépend", default=list, blank=True)
    status = models.CharField(
        "état", max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    needs_review = models.BooleanField("à revoir", default=False)
    review_reason = models.TextField("pourquoi le revoir", blank=True)
    review_by = models.DateField("à relire avant le", null=True, blank=True)
    verified_on = models.DateField("vérifié le", null=True, blank=True)
    verified_by = models.ForeignKey(
        Structure,
        verbose_name="vérifié par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    current_version = models.OneToOneField(
        "EntryVersion",
        verbose_name="version publiée",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = EntryQuerySet.as_manager()

    @property
    def is_public(self) -> bool:
        """The instance form of public_entries_q()."""
        return self.status in PUBLIC_STATUSES and self.current_version_id is not None

    class Meta:
        verbose_name = "erreur fréquente"
        verbose_name_plural = "erreurs fréquentes"
        ordering = ["title"]

    def __str__(self):
        return self.title


class EntryVersion(models.Model):
    """What was published, frozen: the public page and its change history read these."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("numéro")
    change_kind = models.CharField(
        "nature du changement", max_length=10, choices=ChangeKind.choices
    )
    change_note = models.TextField("note de changement")
    content = models.JSONField("contenu publié")
    published_at = models.DateTimeField("publiée le", auto_now_add=True)
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name="publiée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        Structure, verbose_name="vérifiée par", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "version publiée"
        verbose_name_plural = "versions publiées"
        ordering = ["entry", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="advice_entry_version_unique")
        ]

    def __str__(self):
        return f"{self.entry} — version {self.number}"


class FeedbackReason(models.TextChoices):
    UNCLEAR = "unclear", "Ce n'est pas clair"
    NOT_MY_SITUATION = "not_my_situation", "Cela ne correspond pas à ma situation"
    OUTDATED = "outdated", "L'information semble dépassée"
    INCOMPLETE = "incomplete", "Il manque une information"
    OTHER = "other", "Autre raison"


class Feedback(models.Model):
    """« Ce conseil vous a-t-il été utile ? » — no personal data: no free text, no IP, no user."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="feedback")
    version_number = models.PositiveIntegerField("version lue")
    useful = models.BooleanField("utile")
    reason = models.CharField("raison", max_length=20, choices=FeedbackReason.choices, blank=True)
    created_on = models.DateField("reçu le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "avis sur un conseil"
        verbose_name_plural = "avis sur les conseils"
        ordering = ["-created_on"]

    def __str__(self):
        return f"{self.entry} — {'utile' if self.useful else 'pas utile'}"


class SearchDocument(models.Model):
    """What the public can find: the current published version of an entry, flattened for search.

    Written only by `bonnefoi.advice.search` (`search_index_entry`, `search_remove_entry`), never
    edited by hand. The search engine's own structures live next to it and are created by
    migration 0003 for the database in use: on PostgreSQL a stored generated `tsvector` column
    (`search_vector`, configuration `fr_unaccent`) with a GIN index, and a table of the indexed
    words with a trigram index (`advice_search_word`, for typos); on SQLite an FTS5 table
    (`advice_search_fts`, rowid = entry id) and its vocabulary (`advice_search_vocab`).
    `title` and `body` are unbounded text on purpose (PostgreSQL refuses to alter a column its
    generated column reads) and come last, after the short columns the filters read.
    """

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    slug = models.SlugField("identifiant", max_length=120)
    audience = models.CharField("public", max_length=20, choices=Audience.choices, db_index=True)
    life_events = models.TextField("événements de vie")  # "|slug|slug|"
    procedures = models.TextField("démarches")  # "|slug|slug|"
    owner_paths = models.TextField("chemins des administrations responsables")  # "|path|path|"
    version_number = models.PositiveIntegerField("version indexée")
    indexed_at = models.DateTimeField("indexé le", auto_now=True)
    title = models.TextField("titre publié")
    body = models.TextField("texte publié")  # consequence, advice, fix, example

    class Meta:
        verbose_name = "document de recherche"
        verbose_name_plural = "documents de recherche"

    def __str__(self):
        return self.title


class ZeroResultSearch(models.Model):
    """A public search that found nothing, for the observatory (what people look for and miss).

    No personal data: the query is stored lowercased and stripped of e-mail addresses, phone
    numbers and any digit sequence; only the day is kept; no IP address, no session, no user.
    """

    query = models.CharField("recherche (nettoyée)", max_length=200)
    audience = models.CharField("public", max_length=20, choices=Audience.choices, blank=True)
    life_event = models.CharField("événement de vie", max_length=80, blank=True)
    owner = models.ForeignKey(
        Structure,
        verbose_name="administration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    searched_on = models.DateField("le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "recherche sans résultat"
        verbose_name_plural = "recherches sans résultat"
        ordering = ["-searched_on", "query"]

    def __str__(self):
        return self.query
