"""« Ce conseil vous a-t-il été utile ? »: a plain POST form that works without JavaScript.

The form sits at the end of each entry page (advice/includes/feedback.html) and posts here; the
answer is recorded, then the reader is sent back to the entry page with a thanks flag in the query
string (post/redirect/get, nothing in a session). A GET shows the same form on its own page, which
is also where input errors (400) and the rate limit (429) are explained.

The form carries no CSRF token: entry pages are served from the public cache to every reader,
and an anonymous vote has no session to protect. Cross-site posts are refused from the
browser's own Fetch Metadata / Origin headers instead (bonnefoi.core.origin, ADR 0006).
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bonnefoi.advice.feedback import (
    feedback_rate_count,
    feedback_rate_exceeded,
    feedback_record,
)
from bonnefoi.advice.forms import FeedbackForm
from bonnefoi.advice.models import Entry
from bonnefoi.core.origin import same_origin_post

THANKS_FLAG = "merci"
CROSS_SITE_MESSAGE = (
    "Cet avis a été envoyé depuis un autre site que celui-ci : il n'est pas enregistré. "
    "Donnez votre avis depuis la page du conseil."
)
RATE_LIMITED_MESSAGE = (
    "Vous avez déjà donné plusieurs avis sur ce conseil depuis une heure. Merci ! "
    "Vous pourrez en donner un autre plus tard."
)


def _client_address(request) -> str:
    """The address the rate limit is keyed on (hashed, never stored). Behind a reverse proxy,
    the proxy must pass the client's address as REMOTE_ADDR (docs/operations.md)."""
    return request.META.get("REMOTE_ADDR", "")


def _page(request, entry: Entry, *, status: int = 200, form=None, error: str = ""):
    data = form.data if form is not None else {}
    return render(
        request,
        "advice/feedback.html",
        {
            "title": "Erreur : avis non enregistré" if error else "Votre avis sur un conseil",
            "entry": entry,
            "content": entry.current_version.content,
            "version": entry.current_version,
            "feedback_error": error,
            "feedback_useful": data.get("useful", ""),
            "feedback_reason": data.get("reason", ""),
        },
        status=status,
    )


def _cross_site(request, slug: str):
    entry = Entry.objects.published().filter(slug=slug).first()
    if entry is None:
        raise Http404("Ce conseil n'existe pas ou n'est pas publié.")
    return _page(request, entry, status=403, error=CROSS_SITE_MESSAGE)


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
@same_origin_post(_cross_site)
def feedback(request, slug: str):
    try:
        entry = Entry.objects.published().get(slug=slug)
    except Entry.DoesNotExist:
        raise Http404("Ce conseil n'existe pas ou n'est pas publié.") from None
    if request.method != "POST":
        return _page(request, entry)

    client = _client_address(request)
    form = FeedbackForm(request.POST)
    if feedback_rate_exceeded(client_address=client, entry=entry):
        return _page(request, entry, status=429, form=form, error=RATE_LIMITED_MESSAGE)
    if not form.is_valid():
        return _page(request, entry, status=400, form=form, error=form.first_error)
    try:
        feedback_record(
            entry=entry,
            useful=form.cleaned_data["useful"] == "yes",
            reason=form.cleaned_data["reason"],
            version_number=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        return _page(
            request, entry, status=400, form=form, error=f"{exc.messages[0]} Rechargez la page."
        )
    feedback_rate_count(client_address=client, entry=entry)
    return redirect(f"{reverse('advice:entry', args=[entry.slug])}?avis={THANKS_FLAG}#avis")
