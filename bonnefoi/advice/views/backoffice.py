"""Back office of the advice catalogue: list, review queue, editor, preview, publication, diff.

Every page is for signed-in holders of an advice role (editor, quality manager, administrator);
everything is scoped to the subtrees where they hold it: an entry outside is a 404.
"""

import difflib
import re
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bonnefoi.advice import plain_language, selectors, services
from bonnefoi.advice.abilities import entry_abilities
from bonnefoi.advice.editing import ADVICE_ROLES, entry_create, entry_update
from bonnefoi.advice.editor_forms import (
    WORKING_COPY,
    CompareForm,
    EntryForm,
    PublishForm,
    links_as_text,
)
from bonnefoi.advice.models import (
    Audience,
    Entry,
    EntryStatus,
    EntryVersion,
    LegalReference,
)
from bonnefoi.structures.selectors import user_memberships

ENTRIES_PER_PAGE = 50
# "Reported as not useful": at least this many "no" answers over the last days.
NOT_USEFUL_THRESHOLD = 3
NOT_USEFUL_WINDOW = timedelta(days=90)

DIFF_FIELDS = (
    ("title", "L'erreur"),
    ("consequence", "Ce que l'erreur entraîne"),
    ("advice", "Le conseil pour l'éviter"),
    ("fix", "Si l'erreur est déjà faite"),
    ("example", "Exemple"),
    ("links", "Pages officielles"),
    ("legal_references", "Textes de référence"),
    ("rule_ids", "Règles du droit à l'erreur"),
)
_TOKEN_RE = re.compile(r"\s+|[^\s]+")


# --- scope -------------------------------------------------------------------------------


def advice_roots(user) -> list:
    """Structures where the user holds an advice role (their subtrees are the user's scope)."""
    return [m.structure for m in user_memberships(user) if m.role in ADVICE_ROLES]


def entries_in_scope(user) -> QuerySet[Entry]:
    if user.is_superuser:
        return Entry.objects.all()
    return Entry.objects.owned_by_subtree_of(advice_roots(user))


def advice_agent_required(view):
    """Signed-in users without an advice role get a French 403 page (login is already required
    by the middleware)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_superuser or advice_roots(request.user)):
            return render(
                request,
                "advice/backoffice/forbidden.html",
                {"title": "Accès réservé aux rédacteurs"},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


def _entry_or_404(user, pk: int) -> Entry:
    return get_object_or_404(
        entries_in_scope(user).select_related("current_version").prefetch_related("owners"),
        pk=pk,
    )


# --- lists -------------------------------------------------------------------------------


@require_safe
@advice_agent_required
def entry_list(request):
    """Entries of the user's subtrees, with their state, "à revoir" badge and review date."""
    entries = (
        entries_in_scope(request.user)
        .select_related("current_version")
        .prefetch_related("owners")
        .order_by("title", "pk")
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "entry": entry,
            "overdue": entry.review_by is not None and entry.review_by < today,
            "owners": ", ".join(o.name for o in entry.owners.all()),
        }
        for entry in page.object_list
    ]
    return render(
        request,
        "advice/backoffice/list.html",
        {"title": "Conseils", "page": page, "rows": rows},
    )


def review_queue_entries(user, *, today=None) -> QuerySet[Entry]:
    """The review queue (selectors.review_queue) plus entries reported as not useful: at least
    NOT_USEFUL_THRESHOLD "no" answers over NOT_USEFUL_WINDOW. Annotated with `not_useful`."""
    today = today or timezone.localdate()
    scope = entries_in_scope(user)
    not_useful = Count(
        "feedback",
        filter=Q(feedback__useful=False, feedback__created_on__gte=today - NOT_USEFUL_WINDOW),
        distinct=True,
    )
    if user.is_superuser:
        queue = Entry.objects.filter(
            Q(needs_review=True) | Q(review_by__lt=today) | Q(status=EntryStatus.IN_REVIEW)
        )
    else:
        queue = selectors.review_queue(advice_roots(user))
    reported = (
        Entry.objects.filter(pk__in=scope.values("pk"))
        .annotate(not_useful=not_useful)
        .filter(not_useful__gte=NOT_USEFUL_THRESHOLD)
    )
    return (
        Entry.objects.filter(Q(pk__in=queue.values("pk")) | Q(pk__in=reported.values("pk")))
        .exclude(status=EntryStatus.ARCHIVED)
        .annotate(not_useful=not_useful)
        .select_related("current_version")
        .prefetch_related("owners")
        .order_by("review_by", "title", "pk")
    )


def _queue_reasons(entry: Entry, today) -> list[str]:
    reasons = []
    if entry.needs_review:
        reasons.extend(
            f"À revoir : {line}" for line in entry.review_reason.splitlines() if line.strip()
        )
        if not entry.review_reason.strip():
            reasons.append("À revoir")
    if entry.review_by is not None and entry.review_by < today:
        reasons.append(f"Date de relecture dépassée ({entry.review_by:%d/%m/%Y})")
    if entry.status == EntryStatus.IN_REVIEW:
        reasons.append("En attente de publication")
    if entry.not_useful >= NOT_USEFUL_THRESHOLD:
        reasons.append(
            f"{entry.not_useful} lecteurs l'ont trouvé pas utile ces "
            f"{NOT_USEFUL_WINDOW.days} derniers jours"
        )
    return reasons


@require_safe
@advice_agent_required
def review_queue(request):
    today = timezone.localdate()
    entries = list(review_queue_entries(request.user, today=today))
    rows = [
        {
            "entry": entry,
            "reasons": _queue_reasons(entry, today),
            "owners": ", ".join(o.name for o in entry.owners.all()),
        }
        for entry in entries
    ]
    return render(
        request,
        "advice/backoffice/review_queue.html",
        {"title": "Conseils à relire", "rows": rows},
    )


# --- editor ------------------------------------------------------------------------------


def _content_from_form(form: EntryForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "consequence": data["consequence"],
        "advice": data["advice"],
        "fix": data["fix"],
        "example": data.get("example", ""),
        "links": data["links"],
        "legal_references": sorted(r.key for r in data["legal_references"]),
        "rule_ids": list(data["rule_ids"]),
    }


def _preview_context(content: dict, life_events, audience: str) -> dict:
    return {
        "content": content,
        "references": list(
            LegalReference.objects.filter(key__in=content["legal_references"]).order_by(
                "code", "article"
            )
        ),
        "preview_life_events": list(life_events),
        "preview_audience": Audience(audience).label,
    }


def _check_report(texts) -> plain_language.PlainLanguageReport:
    return plain_language.check(*texts)


def _render_form(request, form: EntryForm, entry: Entry | None, *, status=200, preview=None):
    abilities = entry_abilities(request.user, entry) if entry else None
    context = {
        "title": "Modifier un conseil" if entry else "Nouveau conseil",
        "form": form,
        "entry": entry,
        "abilities": abilities,
        "report": _check_report(form.texts()),
        "preview": preview,
        "can_submit": entry is None or entry.status in (EntryStatus.DRAFT, EntryStatus.PUBLISHED),
    }
    return render(request, "advice/backoffice/form.html", context, status=status)


def _save(request, form: EntryForm, entry: Entry | None) -> Entry | None:
    """Create or update from a valid form; a refusal becomes a form error (None returned)."""
    try:
        if entry is None:
            return entry_create(user=request.user, fields=form.entry_fields())
        return entry_update(entry=entry, user=request.user, fields=form.entry_fields())
    except PermissionDenied as exc:
        form.add_error("owners", str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    return None


def _editor(request, entry: Entry | None):
    if request.method != "POST":
        return _render_form(request, EntryForm(user=request.user, entry=entry), entry)
    form = EntryForm(data=request.POST, user=request.user, entry=entry)
    action = request.POST.get("action", "save")
    if not form.is_valid():
        return _render_form(request, form, entry, status=400)
    if action == "preview":
        data = form.cleaned_data
        preview = _preview_context(_content_from_form(form), data["life_events"], data["audience"])
        return _render_form(request, form, entry, preview=preview)
    saved = _save(request, form, entry)
    if saved is None:
        return _render_form(request, form, entry, status=400)
    if action == "submit" and entry_abilities(request.user, saved)["submit"]:
        services.entry_submit_for_review(entry=saved, user=request.user)
        messages.success(request, "Conseil enregistré et soumis à la relecture.")
        return redirect("advice_backoffice:preview", pk=saved.pk)
    messages.success(request, "Brouillon enregistré.")
    return redirect("advice_backoffice:edit", pk=saved.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@advice_agent_required
def entry_new(request):
    return _editor(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@advice_agent_required
def entry_edit(request, pk: int):
    entry = _entry_or_404(request.user, pk)
    if not entry_abilities(request.user, entry)["edit"]:
        messages.info(
            request, "Ce conseil ne peut pas être modifié (archivé, ou hors de vos droits)."
        )
        return redirect("advice_backoffice:preview", pk=entry.pk)
    return _editor(request, entry)


# --- preview, workflow -------------------------------------------------------------------


def _render_preview(request, entry: Entry, *, publish_form=None, status=200):
    content = services.entry_content(entry)
    context = {
        "title": f"Aperçu — {entry.title}",
        "entry": entry,
        "abilities": entry_abilities(request.user, entry),
        "report": _check_report(
            [content[name] for name in ("title", "consequence", "advice", "fix", "example")]
        ),
        "publish_form": publish_form or PublishForm(),
        "has_versions": entry.current_version_id is not None,
        **_preview_context(content, entry.life_events.all(), entry.audience),
    }
    return render(request, "advice/backoffice/preview.html", context, status=status)


@require_safe
@advice_agent_required
def entry_preview(request, pk: int):
    """The entry page body rendered with the working copy (nothing is published)."""
    return _render_preview(request, _entry_or_404(request.user, pk))


@require_POST
@advice_agent_required
def entry_submit(request, pk: int):
    entry = _entry_or_404(request.user, pk)
    services.entry_submit_for_review(entry=entry, user=request.user)
    messages.success(request, "Conseil soumis à la relecture.")
    return redirect("advice_backoffice:preview", pk=entry.pk)


@require_POST
@advice_agent_required
def entry_publish(request, pk: int):
    entry = _entry_or_404(request.user, pk)
    if not entry_abilities(request.user, entry)["publish"]:
        raise PermissionDenied("Vous ne pouvez pas publier ce conseil.")
    form = PublishForm(data=request.POST)
    if not form.is_valid():
        return _render_preview(request, entry, publish_form=form, status=400)
    try:
        version = services.entry_publish(
            entry=entry,
            user=request.user,
            change_kind=form.cleaned_data["change_kind"],
            change_note=form.cleaned_data["change_note"],
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _render_preview(request, entry, publish_form=form, status=400)
    messages.success(request, f"Version {version.number} publiée.")
    return redirect("advice_backoffice:preview", pk=entry.pk)


@require_POST
@advice_agent_required
def entry_archive_view(request, pk: int):
    entry = _entry_or_404(request.user, pk)
    services.entry_archive(entry=entry, user=request.user)
    messages.success(request, "Conseil archivé : il n'est plus visible du public.")
    return redirect("advice_backoffice:list")


# --- diff --------------------------------------------------------------------------------


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in "equal", "delete", "insert": a word-level diff (difflib)."""
    a, b = _TOKEN_RE.findall(old or ""), _TOKEN_RE.findall(new or "")
    segments: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            add("delete", "".join(a[i1:i2]))
        if tag in ("insert", "replace"):
            add("insert", "".join(b[j1:j2]))
    return segments


def _html(text: str) -> SafeString:
    return mark_safe(escape(text).replace("\n", "<br>"))  # noqa: S308 (escaped first)


def diff_html(old: str, new: str) -> SafeString:
    """Accessible word diff: <del>/<ins> with words a screen reader says ("supprimé", "ajouté")."""
    parts = []
    previous = "equal"
    for op, text in word_diff(old, new):
        if op == "equal":
            parts.append(_html(text))
        elif op == "delete":
            parts.append(
                '<del><span class="fr-sr-only">[supprimé : </span>'
                f'{_html(text)}<span class="fr-sr-only">]</span></del>'
            )
        else:
            if previous == "delete":  # a replaced word: keep the old and the new apart
                parts.append(" ")
            parts.append(
                '<ins><span class="fr-sr-only">[ajouté : </span>'
                f'{_html(text)}<span class="fr-sr-only">]</span></ins>'
            )
        previous = op
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text is escaped above)


def _field_text(name: str, content: dict, labels: dict[str, str]) -> str:
    value = content.get(name, "")
    if name == "links":
        return links_as_text(value or [])
    if name in ("legal_references", "rule_ids"):
        return "\n".join(labels.get(key, key) for key in value or [])
    return str(value or "")


def _reference_and_rule_labels(contents: list[dict]) -> dict[str, str]:
    from bonnefoi.rules import load_catalogue

    keys = {key for content in contents for key in content.get("legal_references", [])}
    labels = {ref.key: str(ref) for ref in LegalReference.objects.filter(key__in=keys)}
    rules = load_catalogue().rules
    for content in contents:
        for rule_id in content.get("rule_ids", []):
            rule = rules.get(rule_id)
            labels[rule_id] = rule.title if rule else rule_id
    return labels


@require_safe
@advice_agent_required
def entry_diff(request, pk: int):
    """Per field word diff between two published versions, or a version and the working copy."""
    entry = _entry_or_404(request.user, pk)
    versions = {v.number: v for v in EntryVersion.objects.filter(entry=entry).order_by("number")}
    numbers = sorted(versions)
    if "old" in request.GET or "new" in request.GET:
        form = CompareForm(data=request.GET, numbers=numbers)
    else:
        default_old = str(entry.current_version.number) if entry.current_version else WORKING_COPY
        form = CompareForm(data={"old": default_old, "new": WORKING_COPY}, numbers=numbers)
    fields, status = [], 200
    if not numbers:
        status = 200
    elif form.is_valid():

        def content_of(state: str) -> dict:
            if state == WORKING_COPY:
                return services.entry_content(entry)
            return versions[int(state)].content

        old, new = content_of(form.cleaned_data["old"]), content_of(form.cleaned_data["new"])
        labels = _reference_and_rule_labels([old, new])
        for name, label in DIFF_FIELDS:
            before, after = _field_text(name, old, labels), _field_text(name, new, labels)
            fields.append(
                {
                    "label": label,
                    "changed": before != after,
                    "html": diff_html(before, after) if before != after else _html(after),
                }
            )
    else:
        status = 400
    return render(
        request,
        "advice/backoffice/diff.html",
        {
            "title": f"Différences — {entry.title}",
            "entry": entry,
            "form": form,
            "has_versions": bool(numbers),
            "fields": fields,
            "changed_count": sum(1 for f in fields if f["changed"]),
        },
        status=status,
    )
