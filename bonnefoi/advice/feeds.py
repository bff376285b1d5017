"""Atom feeds of the advice catalogue: every publication, newest first, with its change note.

One item per published version (a first publication or an update) of the entries that are
published today; one feed for the whole catalogue and one per audience, life event, procedure
and owning administration. Links and ids are absolute; any origin may read them (CORS).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from bonnefoi.advice.models import (
    Audience,
    ChangeKind,
    Entry,
    EntryVersion,
    LifeEvent,
    Procedure,
    public_entries_q,
)
from bonnefoi.advice.views.public import AUDIENCE_SLUGS, SLUG_OF_AUDIENCE
from bonnefoi.structures.models import Structure

ITEMS = 50
SUBTITLE = "Chaque publication d'un conseil contre les erreurs fréquentes, avec ce qui a changé."


@dataclass(frozen=True)
class FeedScope:
    request: HttpRequest
    title: str
    link: str  # path of the matching HTML page
    entries: Q  # condition on EntryVersion, through its entry


class AdviceFeed(Feed):
    feed_type = Atom1Feed
    language = "fr"
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=900"
        return response

    def scope(self, request, **kwargs) -> FeedScope:
        raise NotImplementedError

    def get_object(self, request, *args, **kwargs):
        return self.scope(request, **kwargs)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.title} — {settings.BONNEFOI_SITE_TITLE}"

    def subtitle(self, scope: FeedScope) -> str:
        return SUBTITLE

    def link(self, scope: FeedScope) -> str:
        return scope.link

    def feed_guid(self, scope: FeedScope) -> str:
        return scope.request.build_absolute_uri(scope.request.path)

    def author_name(self) -> str:
        return settings.BONNEFOI_SITE_TITLE

    def items(self, scope: FeedScope) -> list[EntryVersion]:
        versions = list(
            EntryVersion.objects.filter(
                scope.entries,
                public_entries_q("entry__"),
            )
            .select_related("entry", "verified_by")
            .order_by("-published_at", "-pk")[:ITEMS]
        )
        for version in versions:
            version.page_url = scope.request.build_absolute_uri(
                reverse("advice:entry", args=[version.entry.slug])
            )
        return versions

    def item_title(self, version: EntryVersion) -> str:
        # Atom titles are text: no HTML escaping here (the XML writer escapes).
        title = version.content["title"]
        return title if version.number == 1 else f"{title} (mise à jour, version {version.number})"

    def item_description(self, version: EntryVersion) -> str:
        kind = "Nouveau conseil" if version.number == 1 else ChangeKind(version.change_kind).label
        return format_html(
            "<p><strong>{}</strong> : {}</p><p>{}</p>",
            kind,
            version.change_note,
            version.content["consequence"],
        )

    def item_link(self, version: EntryVersion) -> str:
        return version.page_url

    def item_guid(self, version: EntryVersion) -> str:
        return f"{version.page_url}#version-{version.number}"

    def item_pubdate(self, version: EntryVersion):
        return version.published_at

    def item_updateddate(self, version: EntryVersion):
        return version.published_at

    def item_author_name(self, version: EntryVersion) -> str:
        return version.verified_by.name

    def item_categories(self, version: EntryVersion) -> list[str]:
        return [Audience(version.entry.audience).label]


class AllEntriesFeed(AdviceFeed):
    def scope(self, request, **kwargs):
        return FeedScope(request, "Erreurs fréquentes", reverse("advice:home"), Q())


class AudienceFeed(AdviceFeed):
    def scope(self, request, audience_slug):
        if audience_slug not in AUDIENCE_SLUGS:
            raise Http404("Public inconnu.")
        audience = AUDIENCE_SLUGS[audience_slug]
        return FeedScope(
            request,
            f"Erreurs fréquentes — {Audience(audience).label}",
            reverse("advice:audience", args=[audience_slug]),
            Q(entry__audience=audience),
        )


class LifeEventFeed(AdviceFeed):
    def scope(self, request, slug):
        event = get_object_or_404(LifeEvent, slug=slug)
        return FeedScope(
            request,
            f"Erreurs fréquentes — {event.title}",
            reverse("advice:life_event", args=[SLUG_OF_AUDIENCE[event.audience], event.slug]),
            Q(entry__life_events=event),
        )


class ProcedureFeed(AdviceFeed):
    def scope(self, request, slug):
        procedure = get_object_or_404(Procedure, slug=slug)
        return FeedScope(
            request,
            f"Erreurs fréquentes — {procedure.title}",
            reverse("advice:home"),
            Q(entry__procedures=procedure),
        )


class OwnerFeed(AdviceFeed):
    """An administration's entries, those of the structures under it included."""

    def scope(self, request, sp_code):
        owner = get_object_or_404(Structure, sp_code=sp_code)
        owned = Entry.objects.filter(owners__path__tree_prefix=owner.path).values("pk")
        return FeedScope(
            request,
            f"Erreurs fréquentes — {owner.name}",
            reverse("advice:home"),
            Q(entry__in=owned),
        )


def public_feed(feed: Feed):
    """GET or HEAD only, open to anonymous visitors (LoginRequiredMiddleware lets it through)."""
    return login_not_required(require_safe(feed))


all_entries = public_feed(AllEntriesFeed())
by_audience = public_feed(AudienceFeed())
by_life_event = public_feed(LifeEventFeed())
by_procedure = public_feed(ProcedureFeed())
by_owner = public_feed(OwnerFeed())
