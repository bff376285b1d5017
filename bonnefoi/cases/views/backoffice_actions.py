"""Actions of an agent on a case: take, message, invitation to regularise (with a preview of
the deadline), internal note, frequent-error tag, redirection, closure.

Each action posts the case version its page was rendered with. A refusal re-renders the case
page with the form as typed and its errors (400); a conflict with a colleague shows the French
message, the case as it is now and what the agent typed (409); an action the user may not take
is a 403. Success redirects to the case page (post/redirect/get).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from bonnefoi.cases import selectors, services
from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.agent_forms import (
    REDIRECT_SEARCH,
    CloseForm,
    InviteForm,
    MessageForm,
    NoteForm,
    RedirectForm,
    TagForm,
    TakeForm,
)
from bonnefoi.cases.views.backoffice import case_or_404, forbidden, render_case, tag_entries

NOT_ALLOWED = "Votre rôle ne permet pas de traiter ce dossier."
# Posted fields that are not something the agent typed.
_CONTROL_FIELDS = {"csrfmiddlewaretoken", "version", "action"}


def typed_values(form) -> list[tuple[str, str]]:
    """(label, value) of what the agent typed in a form, to give it back after a conflict."""
    typed = []
    for name, field in form.fields.items():
        value = form.data.get(form.add_prefix(name), "")
        if name in _CONTROL_FIELDS or not isinstance(value, str) or not value.strip():
            continue
        choices = dict(getattr(field, "choices", ()) or ())
        typed.append((str(field.label), str(choices.get(value, value))))
    return typed


def _service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _perform(request, reference: str, key: str, form_class, act, done: str, **form_kwargs):
    """Validate the posted form, run `act(case, cleaned_data)`, and answer as described above."""
    case = case_or_404(request.user, reference)
    if not case_abilities(request.user, case)["process"]:  # the state is checked by the service
        return forbidden(request, NOT_ALLOWED)
    form = form_class(request.POST, case=case, **form_kwargs)
    if not form.is_valid():
        return render_case(request, case, bound={key: form}, status=400)
    try:
        act(case, form.cleaned_data)
    except services.CaseConflict as conflict:
        case = case_or_404(request.user, reference)
        data = request.POST.copy()
        data["version"] = str(case.version)  # sending again now applies to what is shown
        fresh = form_class(data, case=case, **form_kwargs)
        fresh.is_valid()
        return render_case(
            request,
            case,
            bound={key: fresh},
            status=409,
            conflict=conflict.message,
            typed=typed_values(form),
        )
    except PermissionDenied as denied:
        return forbidden(request, str(denied) or NOT_ALLOWED)
    except ValidationError as error:
        _service_errors(form, error)
        case.refresh_from_db()
        return render_case(request, case, bound={key: form}, status=400)
    messages.success(request, done)
    if not selectors.cases_visible_to(request.user).filter(pk=case.pk).exists():
        return redirect("cases_backoffice:queue")  # redirected out of the user's subtrees
    return redirect("cases_backoffice:case", reference=case.reference)


@require_POST
def take(request, reference: str):
    return _perform(
        request,
        reference,
        "take",
        TakeForm,
        lambda case, data: services.case_take(
            case=case, user=request.user, expected_version=data["version"]
        ),
        "Vous avez pris le dossier en charge ; la personne en est informée.",
    )


@require_POST
def message(request, reference: str):
    return _perform(
        request,
        reference,
        "message",
        MessageForm,
        lambda case, data: services.case_message(
            case=case, user=request.user, body=data["body"], expected_version=data["version"]
        ),
        "Message envoyé à la personne.",
    )


@require_POST
def note(request, reference: str):
    # Notes commute (several agents may write at once): the version is posted but not checked.
    return _perform(
        request,
        reference,
        "note",
        NoteForm,
        lambda case, data: services.case_note(case=case, user=request.user, body=data["body"]),
        "Note interne enregistrée.",
    )


@require_POST
def invite(request, reference: str):
    """Preview (the deadline the calendar gives, nothing sent) or send the invitation."""
    if request.POST.get("action") == "preview":
        case = case_or_404(request.user, reference)
        if not case_abilities(request.user, case)["process"]:
            return forbidden(request, NOT_ALLOWED)
        form = InviteForm(request.POST, case=case)
        if not form.is_valid():
            return render_case(request, case, bound={"invite": form}, status=400)
        today = timezone.localdate()
        computed = services.invitation_deadline(case, form.cleaned_data["rule"], today)
        return render_case(
            request,
            case,
            bound={"invite": form},
            invite_preview={"sent_on": today, "deadline": computed},
        )
    return _perform(
        request,
        reference,
        "invite",
        InviteForm,
        lambda case, data: services.case_invite(
            case=case,
            user=request.user,
            requested=data["requested"],
            rule=data["rule"],
            expected_version=data["version"],
        ),
        "Invitation à régulariser envoyée ; le dossier attend la réponse de la personne.",
    )


@require_POST
def tag(request, reference: str):
    case = case_or_404(request.user, reference)
    suggested, _found = tag_entries(case)
    return _perform(
        request,
        reference,
        "tag",
        TagForm,
        lambda case, data: services.case_tag(
            case=case,
            user=request.user,
            entry=data["entry_object"],
            other_label=data.get("other_label") or "",
        ),
        "Erreur fréquente associée au dossier.",
        entries=suggested,
    )


@require_POST
def redirect_case(request, reference: str):
    """Search the structure to hand the case to (nothing recorded: the page comes back with
    what was found and what was typed), or hand it over."""
    if request.POST.get("action") == REDIRECT_SEARCH:
        case = case_or_404(request.user, reference)
        if not case_abilities(request.user, case)["redirect"]:
            return forbidden(request, NOT_ALLOWED)
        posted_version = request.POST.get("version", "")
        searched = RedirectForm(
            case=case,
            initial={
                "q": request.POST.get("q", ""),
                "to": request.POST.get("to", ""),
                "reason": request.POST.get("reason", ""),
                # the version the agent saw: a colleague's change since is still detected
                **(
                    {"version": int(posted_version)}
                    if posted_version.isascii() and posted_version.isdigit()
                    else {}
                ),
            },
        )
        return render_case(request, case, bound={"redirect": searched})
    return _perform(
        request,
        reference,
        "redirect",
        RedirectForm,
        lambda case, data: services.case_redirect(
            case=case,
            user=request.user,
            to=data["to"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        "Dossier transmis ; il n'est plus dans la file de votre structure.",
    )


@require_POST
def close(request, reference: str):
    return _perform(
        request,
        reference,
        "close",
        CloseForm,
        lambda case, data: services.case_close(
            case=case, user=request.user, expected_version=data["version"]
        ),
        "Dossier clos.",
    )
