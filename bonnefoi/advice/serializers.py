"""JSON shape of the published catalogue, shared by the read API and the open-data dump.

Texts come from the published version (`entry.current_version.content`), never from the working
copy editors are changing. Owners and verifiers are administrations (structures): no person's
name or e-mail ever leaves through here.
"""

from collections.abc import Callable, Iterable

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bonnefoi.advice.models import Audience, Entry, LegalReference, LifeEvent, Procedure
from bonnefoi.advice.selectors import entry_is_stale
from bonnefoi.structures.models import Structure


def entries_for_output(queryset: QuerySet[Entry] | None = None) -> QuerySet[Entry]:
    """Published entries with everything their JSON needs, in a fixed number of queries."""
    queryset = Entry.objects.all() if queryset is None else queryset
    return (
        queryset.published()
        .select_related("current_version__verified_by")
        .prefetch_related(
            Prefetch("owners", queryset=Structure.objects.only("id", "name", "sp_code", "path")),
            Prefetch("life_events", queryset=LifeEvent.objects.only("id", "slug", "title")),
            Prefetch(
                "procedures",
                queryset=Procedure.objects.only("id", "slug", "title", "online_service_url"),
            ),
        )
    )


def references_by_key(entries: Iterable[Entry]) -> dict[str, LegalReference]:
    """The legal references cited by the published versions of `entries`, in one query."""
    keys = {key for entry in entries for key in entry.current_version.content["legal_references"]}
    if not keys:
        return {}
    return {reference.key: reference for reference in LegalReference.objects.filter(key__in=keys)}


def entry_page_path(slug: str) -> str:
    return reverse("advice:entry", args=[slug])


class OwnerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text="Nom de l'administration.")
    sp_code = serializers.CharField(
        allow_null=True,
        help_text="Code Services Publics+ de l'administration (filtre `owner`), ou null.",
    )

    class Meta:
        model = Structure
        fields = ["name", "sp_code"]


class LifeEventRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = LifeEvent
        fields = ["slug", "title"]


class ProcedureRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Procedure
        fields = ["slug", "title", "online_service_url"]


class LegalReferenceSerializer(serializers.ModelSerializer):
    unverified = serializers.BooleanField(
        help_text="Vrai quand le numéro d'article ou le lien restent à vérifier sur Légifrance."
    )

    class Meta:
        model = LegalReference
        fields = ["key", "code", "article", "paragraph", "url", "unverified"]


REFERENCE_FIELDS = LegalReferenceSerializer.Meta.fields


def _reference_dict(reference: LegalReference) -> dict:
    return {name: getattr(reference, name) for name in REFERENCE_FIELDS}


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="Intitulé du lien.")
    url = serializers.URLField(help_text="Page officielle.")


# Context: `references` (key -> LegalReference, see references_by_key), `entry_url` (slug ->
# absolute page URL), optionally `excerpts` (entry id -> HTML excerpt of a search hit).
class EntrySerializer(serializers.Serializer):
    """Un conseil publié, dans sa dernière version publiée."""

    slug = serializers.SlugField(help_text="Identifiant stable du conseil.")
    audience = serializers.ChoiceField(choices=Audience.choices, help_text="Public concerné.")
    title = serializers.CharField(
        source="current_version.content.title",
        help_text="L'erreur, telle qu'on la commet, à la première personne.",
    )
    consequence = serializers.CharField(
        source="current_version.content.consequence", help_text="Ce que l'erreur entraîne."
    )
    advice = serializers.CharField(
        source="current_version.content.advice",
        help_text="Le conseil pour l'éviter (les lignes « - » sont des listes à puces).",
    )
    fix = serializers.CharField(
        source="current_version.content.fix",
        help_text="Comment la corriger si elle est déjà faite.",
    )
    example = serializers.CharField(
        source="current_version.content.example",
        help_text="Exemple chiffré, ou chaîne vide.",
    )
    links = LinkSerializer(
        many=True, source="current_version.content.links", help_text="Pages officielles."
    )
    owners = OwnerSerializer(many=True, help_text="Administrations responsables.")
    life_events = LifeEventRefSerializer(many=True, help_text="Événements de vie.")
    procedures = ProcedureRefSerializer(many=True, help_text="Démarches concernées.")
    legal_references = serializers.SerializerMethodField(help_text="Textes de référence.")
    rule_ids = serializers.ListField(
        child=serializers.CharField(),
        source="current_version.content.rule_ids",
        help_text="Règles du moteur du droit à l'erreur dont le conseil dépend.",
    )
    verified_on = serializers.DateField(
        allow_null=True, help_text="Date de la dernière vérification."
    )
    verified_by = OwnerSerializer(
        source="current_version.verified_by",
        help_text="Administration qui a vérifié et publié cette version.",
    )
    version = serializers.IntegerField(
        source="current_version.number", help_text="Numéro de la version publiée."
    )
    published_at = serializers.DateTimeField(
        source="current_version.published_at", help_text="Date de publication de cette version."
    )
    review_notice = serializers.SerializerMethodField(
        help_text=(
            "Vrai quand le conseil est en cours de relecture (règles modifiées ou date de "
            "relecture dépassée) : afficher un avertissement, comme la page publique."
        )
    )
    url = serializers.SerializerMethodField(help_text="Page publique du conseil.")
    excerpt_html = serializers.SerializerMethodField(
        help_text=(
            "Avec `q` seulement : extrait échappé, les termes trouvés entre <mark> et </mark>. "
            "Null sinon."
        )
    )

    @extend_schema_field(LegalReferenceSerializer(many=True))
    def get_legal_references(self, entry) -> list[dict]:
        references = self.context["references"]
        keys = entry.current_version.content["legal_references"]
        # Plain dicts with the fields of LegalReferenceSerializer (which documents them in the
        # schema): a ModelSerializer per reference rebuilt its fields for every one of them,
        # a third of the time of a list (benchmarks/README.md).
        return [_reference_dict(references[key]) for key in keys if key in references]

    def get_review_notice(self, entry) -> bool:
        return entry_is_stale(entry)

    @extend_schema_field(serializers.URLField())
    def get_url(self, entry) -> str:
        return self.context["entry_url"](entry.slug)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_excerpt_html(self, entry) -> str | None:
        return self.context.get("excerpts", {}).get(entry.pk)


def serialize_entries(entries: list[Entry], entry_url: Callable[[str], str], **context) -> list:
    return EntrySerializer(
        entries,
        many=True,
        context={"references": references_by_key(entries), "entry_url": entry_url, **context},
    ).data


class EntryPageSerializer(serializers.Serializer):
    """Une page de conseils publiés."""

    count = serializers.IntegerField(help_text="Nombre total de conseils trouvés.")
    approximate = serializers.BooleanField(
        help_text=(
            "Avec `q` : vrai quand rien ne correspondait exactement et que ces résultats "
            "viennent de la recherche tolérante aux fautes de frappe."
        )
    )
    next = serializers.URLField(allow_null=True, help_text="Page suivante, ou null.")
    previous = serializers.URLField(allow_null=True, help_text="Page précédente, ou null.")
    results = EntrySerializer(many=True)


class LifeEventSerializer(serializers.ModelSerializer):
    entry_count = serializers.IntegerField(help_text="Nombre de conseils publiés.")
    entries_url = serializers.SerializerMethodField(help_text="Ses conseils, dans l'API.")
    feed_url = serializers.SerializerMethodField(help_text="Flux Atom de ses conseils.")

    class Meta:
        model = LifeEvent
        fields = ["slug", "audience", "title", "summary", "entry_count", "entries_url", "feed_url"]

    @extend_schema_field(serializers.URLField())
    def get_entries_url(self, event) -> str:
        return self.context["absolute"](reverse("advice-entry-list") + f"?life_event={event.slug}")

    @extend_schema_field(serializers.URLField())
    def get_feed_url(self, event) -> str:
        return self.context["absolute"](reverse("advice:feed_life_event", args=[event.slug]))


class ProcedureSerializer(serializers.ModelSerializer):
    owners = OwnerSerializer(many=True, help_text="Administrations responsables.")
    entry_count = serializers.IntegerField(help_text="Nombre de conseils publiés.")
    entries_url = serializers.SerializerMethodField(help_text="Ses conseils, dans l'API.")
    feed_url = serializers.SerializerMethodField(help_text="Flux Atom de ses conseils.")

    class Meta:
        model = Procedure
        fields = [
            "slug",
            "title",
            "online_service_url",
            "owners",
            "entry_count",
            "entries_url",
            "feed_url",
        ]

    @extend_schema_field(serializers.URLField())
    def get_entries_url(self, procedure) -> str:
        return self.context["absolute"](
            reverse("advice-entry-list") + f"?procedure={procedure.slug}"
        )

    @extend_schema_field(serializers.URLField())
    def get_feed_url(self, procedure) -> str:
        return self.context["absolute"](reverse("advice:feed_procedure", args=[procedure.slug]))
