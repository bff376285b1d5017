"""The widget other administrations embed on their own sites, and the page explaining how.

`widget` is a small standalone page meant for an <iframe>: a neutral theme (no Marianne, no DSFR:
those are reserved to State sites), no cookie, no form, and the only route whose Content Security
Policy lets any site frame it (`frame-ancestors` from settings.WIDGET_FRAME_ANCESTORS; Django's
X-Frame-Options: DENY is lifted for it alone). `static/advice/widget.js` is the one-line
alternative: it inserts the same iframe next to its <script> tag and sizes it from the height the
page posts (advice/widget-frame.js).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP, build_policy
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from bonnefoi.advice.models import Entry, LifeEvent, Procedure, public_entries_q
from bonnefoi.advice.signals import NAMESPACE
from bonnefoi.core.page_cache import cache_public_page
from bonnefoi.structures.models import Structure

WIDGET_LIMIT = 50  # entries shown at most; the last link leads to the full catalogue
SHORT_ADVICE_CHARS = 220
WIDGET_SCRIPT_PATH = "advice/widget.js"
FILTER_NAMES = ("procedure", "owner", "life_event")  # query parameter names


def widget_csp() -> dict:
    """The widget's policy: only its own stylesheet and script, framable by the configured sites."""
    return {
        "default-src": [CSP.NONE],
        "script-src": [CSP.SELF],
        "style-src": [CSP.SELF],
        "img-src": [CSP.SELF],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.NONE],
        "frame-ancestors": list(settings.WIDGET_FRAME_ANCESTORS),
    }


def short_advice(text: str) -> str:
    """The advice on one line (bullets joined by " ; "), cut near SHORT_ADVICE_CHARS."""
    flat, previous_bullet = "", False
    for line in (line.strip() for line in str(text).splitlines()):
        if not line:
            continue
        bullet = line.startswith("- ")
        words = line.removeprefix("- ")
        if not flat:
            flat = words
        elif bullet and previous_bullet:
            flat += " ; " + words
        else:
            flat += " " + words
        previous_bullet = bullet
    return Truncator(flat).chars(SHORT_ADVICE_CHARS)


@dataclass(frozen=True)
class WidgetFilter:
    entries: object  # QuerySet[Entry]
    labels: list[str]


def _apply_filters(params) -> tuple[WidgetFilter | None, int, str]:
    """(filter, status, French message). Unknown values are a 404; no filter at all is a page
    saying how to choose one (200: the bare address is also what people try first)."""
    values = {name: params.get(name, "").strip() for name in FILTER_NAMES}
    if not any(values.values()):
        return (
            None,
            200,
            "Précisez une démarche (procedure), une administration (owner) ou un événement de "
            "vie (life_event) dans l'adresse du widget.",
        )
    entries = Entry.objects.published()
    labels = []
    if values["procedure"]:
        procedure = Procedure.objects.filter(slug=values["procedure"]).first()
        if procedure is None:
            return None, 404, f"Aucune démarche ne porte l'identifiant « {values['procedure']} »."
        entries = entries.filter(procedures=procedure)
        labels.append(procedure.title)
    if values["owner"]:
        owner = Structure.objects.filter(sp_code=values["owner"]).first()
        if owner is None:
            return None, 404, f"Aucune administration ne porte le code « {values['owner']} »."
        # The owner and every service under it; a subquery keeps one row per entry.
        entries = entries.filter(
            pk__in=Entry.objects.filter(owners__path__tree_prefix=owner.path).values("pk")
        )
        labels.append(owner.name)
    if values["life_event"]:
        event = LifeEvent.objects.filter(slug=values["life_event"]).first()
        if event is None:
            return (
                None,
                404,
                f"Aucun événement de vie ne porte l'identifiant « {values['life_event']} ».",
            )
        entries = entries.filter(life_events=event)
        labels.append(event.title)
    return WidgetFilter(entries=entries, labels=labels), 200, ""


@login_not_required
@require_safe
@xframe_options_exempt
@cache_control(public=True, max_age=300)
@cache_public_page(NAMESPACE)
def widget(request):
    """The entries of one procedure, administration (and its services) or life event."""
    found, status, error = _apply_filters(request.GET)
    items = []
    if found is not None:
        entries = found.entries.order_by("current_version__content__title", "slug")[
            : WIDGET_LIMIT + 1
        ]
        for entry in entries:
            content = entry.current_version.content
            items.append(
                {
                    "title": content["title"],
                    "advice": short_advice(content["advice"]),
                    "url": request.build_absolute_uri(reverse("advice:entry", args=[entry.slug])),
                }
            )
    response = render(
        request,
        "advice/widget.html",
        {
            "heading": (
                " — ".join(found.labels)
                if found
                else ("Conseils introuvables" if status == 404 else "Conseils à choisir")
            ),
            "items": items[:WIDGET_LIMIT],
            "truncated": len(items) > WIDGET_LIMIT,
            "error": error,
            "catalogue_url": request.build_absolute_uri(reverse("advice:home")),
            "help_url": request.build_absolute_uri(reverse("advice:embed_help")),
            "site_title": settings.BONNEFOI_SITE_TITLE,
        },
        status=status,
    )
    # A CSP header set by the view is kept as is by ContentSecurityPolicyMiddleware.
    response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(widget_csp())
    return response


def _embed_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped <select> choices ("procedure:slug", label) of filters with published entries."""
    published = public_entries_q("entries__")
    procedures = Procedure.objects.filter(published).distinct().order_by("title")
    events = LifeEvent.objects.filter(published).distinct().order_by("audience", "title")
    owners = (
        Structure.objects.filter(public_entries_q("advice_entries__"), sp_code__isnull=False)
        .exclude(sp_code="")
        .distinct()
        .order_by("name")
    )
    return [
        ("Démarches", [(f"procedure:{p.slug}", p.title) for p in procedures]),
        ("Administrations", [(f"owner:{s.sp_code}", s.name) for s in owners]),
        (
            "Événements de vie",
            [(f"life_event:{e.slug}", f"{e.title} ({e.get_audience_display()})") for e in events],
        ),
    ]


@login_not_required
@require_safe
def embed_help(request):
    """« Intégrer les conseils sur votre site »: both snippets, filled for a chosen filter."""
    groups = _embed_choices()
    values = {value for _group, options in groups for value, _label in options}
    chosen = request.GET.get("filtre", "").strip()
    error = ""
    status = 200
    if chosen and chosen not in values:
        error = (
            f"« {chosen} » ne fait pas partie de la liste : choisissez une démarche, une "
            "administration ou un événement de vie."
        )
        status = 400
    if not chosen or error:
        chosen = next((options[0][0] for _group, options in groups if options), "")
    snippets = None
    if chosen:
        name, _, value = chosen.partition(":")
        widget_url = request.build_absolute_uri(reverse("advice:widget"))
        widget_url += "?" + urlencode({name: value})
        script_url = request.build_absolute_uri(settings.STATIC_URL + WIDGET_SCRIPT_PATH)
        data_attribute = "data-" + name.replace("_", "-")
        snippets = {
            "name": name,
            "value": value,
            "data_attribute": data_attribute,
            "widget_url": widget_url,
            "iframe": (
                f'<iframe src="{escape(widget_url)}" title="Conseils pour éviter les erreurs fréquentes" '
                'width="100%" height="600" loading="lazy"></iframe>'
            ),
            "script": (
                f'<script src="{escape(script_url)}" {data_attribute}="{escape(value)}" '
                "async></script>"
            ),
        }
    return render(
        request,
        "advice/embed_help.html",
        {
            "title": "Intégrer les conseils sur votre site",
            "groups": groups,
            "chosen": chosen,
            "submitted": request.GET.get("filtre", ""),
            "error": error,
            "snippets": snippets,
            "frame_ancestors": " ".join(settings.WIDGET_FRAME_ANCESTORS),
        },
        status=status,
    )
