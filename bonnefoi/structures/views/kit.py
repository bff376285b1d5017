"""Back office: the identification kit of an agent (badge PDF, signatures, phone greeting) and the
register of anonymity exceptions kept by administrators (grant, end with date and reason)."""

import datetime as dt
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from bonnefoi.core.forms import BaseForm
from bonnefoi.structures import services
from bonnefoi.structures.abilities import (
    ROLE_PERMISSIONS,
    agent_abilities,
    anonymity_exception_abilities,
)
from bonnefoi.structures.identification import LEGAL_REFERENCES
from bonnefoi.structures.kit import (
    agent_kit,
    badge_filename,
    badge_pdf,
    kit_abilities,
)
from bonnefoi.structures.models import Agent, AnonymityException, AnonymityGround, Structure
from bonnefoi.structures.selectors import user_memberships

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- scope -------------------------------------------------------------------------------


def _structures_with(user, permission: str):
    """Structures (with their subtrees) where ``user`` holds ``permission``."""
    if user.is_superuser:
        return Structure.objects.all()
    roots = [m.structure for m in user_memberships(user) if permission in ROLE_PERMISSIONS[m.role]]
    return Structure.objects.subtrees_of(roots)


def _in_force_today():
    return Prefetch(
        "anonymity_exceptions",
        queryset=AnonymityException.objects.in_force(timezone.localdate()),
    )


def _register_required(view):
    """Holders of ``anonymity.view`` somewhere (quality managers, administrators) only."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_superuser or _structures_with(request.user, "anonymity.view")):
            return render(
                request,
                "structures/kit/forbidden.html",
                {"title": "Accès réservé", "reason": "register"},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


# --- identification kit ------------------------------------------------------------------


def _kit_response(request, pk: int | None, builder):
    queryset = Agent.objects.select_related("structure").prefetch_related(_in_force_today())
    if pk is None:
        agent = get_object_or_404(queryset, user=request.user)
    else:
        agent = get_object_or_404(queryset, pk=pk)
        if not kit_abilities(request.user, agent)["view"]:
            raise Http404  # same answer as an unknown id: the page says nothing of who works where
    if agent.user_id != request.user.pk:
        services.agent_record_access(actor=request.user, agent=agent, channel="kit")
    return builder(agent)


@require_safe
def kit(request, pk: int | None = None):
    """The four public pieces of an agent, ready to print or copy."""

    def build(agent: Agent):
        the_kit = agent_kit(agent)
        return render(
            request,
            "structures/kit/kit.html",
            {
                "title": "Kit d'identification"
                + ("" if pk is None else f" — {the_kit.badge.name}"),
                "kit": the_kit,
                "is_self": pk is None or agent.user_id == request.user.pk,
                "badge_url_pk": agent.pk,
                "legal_references": LEGAL_REFERENCES,
            },
        )

    return _kit_response(request, pk, build)


@require_safe
def kit_badge(request, pk: int):
    """The printable counter badge (PDF), always as the public sees it."""

    def build(agent: Agent):
        the_kit = agent_kit(agent)
        response = HttpResponse(badge_pdf(the_kit), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{badge_filename(the_kit)}"'
        return response

    return _kit_response(request, pk, build)


# --- register of anonymity exceptions ----------------------------------------------------


class GrantForm(BaseForm):
    agent = forms.ModelChoiceField(
        label="Agent protégé",
        queryset=Agent.objects.none(),
        error_messages={
            "required": "Choisissez l'agent à protéger.",
            "invalid_choice": "Cet agent n'est pas dans votre périmètre d'approbation.",
        },
    )
    ground = forms.ChoiceField(
        label="Motif légal (article L111-2 du CRPA)",
        choices=AnonymityGround.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif légal."},
    )
    justification = forms.CharField(
        label="Justification écrite",
        help_text="Les faits qui justifient l'anonymat (menaces reçues, mission exposée…), "
        f"en {services.MIN_JUSTIFICATION_LENGTH} caractères au moins. Elle n'est jamais publiée.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Décrivez les faits qui justifient l'exception."},
    )
    valid_from = forms.DateField(
        label="Début",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date de début.", "invalid": "Date invalide."},
    )
    valid_until = forms.DateField(
        label="Fin",
        help_text="L'exception prend fin d'elle-même après ce jour ; elle peut être levée avant.",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date de fin.", "invalid": "Date invalide."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["agent"].queryset = (
            Agent.objects.filter(structure__in=_structures_with(user, "anonymity.approve"))
            .exclude(user=user)
            .select_related("structure")
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["agent"].label_from_instance = lambda agent: (
            f"{agent.full_name} — {agent.structure.name} ({agent.pseudonym})"
        )

    def clean(self):
        data = super().clean()
        fields = ("ground", "justification", "valid_from", "valid_until")
        if all(data.get(name) is not None for name in fields):
            errors = services.anonymity_exception_errors(**{name: data[name] for name in fields})
            for name, message in errors.items():
                self.add_error(name, message)
        return data


class EndForm(BaseForm):
    revoked_from = forms.DateField(
        label="L'agent est de nouveau nommé à partir du",
        help_text="Aujourd'hui ou plus tard ; l'exception protège l'agent jusqu'à la veille.",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date de fin.", "invalid": "Date invalide."},
    )
    revocation_reason = forms.CharField(
        label="Motif de la levée",
        help_text="Par exemple : menaces levées, changement de poste. Il n'est jamais publié.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif de la levée."},
    )

    def __init__(self, *args, exception: AnonymityException, **kwargs):
        super().__init__(*args, **kwargs)
        self.exception = exception

    def clean(self):
        data = super().clean()
        if data.get("revoked_from") and data.get("revocation_reason"):
            errors = services.anonymity_exception_revoke_errors(
                exception=self.exception,
                reason=data["revocation_reason"],
                effective_on=data["revoked_from"],
            )
            for name, message in errors.items():
                self.add_error(None if name == "__all__" else name, message)
        return data


def _state(exception: AnonymityException, today: dt.date) -> str:
    if exception.revoked_at is not None:
        if exception.is_in_force(today):
            return f"Levée à compter du {exception.revoked_from:%d/%m/%Y}"
        return "Levée"
    if exception.valid_from > today:
        return "À venir"
    if exception.valid_until < today:
        return "Terminée"
    return "En vigueur"


@require_safe
@_register_required
def anonymity_register(request):
    """Exceptions of the user's subtrees; names only for those allowed to see them."""
    exceptions = (
        AnonymityException.objects.filter(
            agent__structure__in=_structures_with(request.user, "anonymity.view")
        )
        .select_related("agent__structure", "agent__user", "approved_by", "revoked_by")
        .order_by("-valid_from", "-pk")
    )
    today = timezone.localdate()
    rows = []
    for exception in exceptions:
        agent_rights = agent_abilities(request.user, exception.agent)
        rows.append(
            {
                "exception": exception,
                "agent_label": exception.agent.full_name
                if agent_rights["view_real_name"]
                else exception.agent.pseudonym,
                "state": _state(exception, today),
                "abilities": anonymity_exception_abilities(request.user, exception),
            }
        )
    services.agents_record_listing(
        actor=request.user,
        structure_ids=[row["exception"].agent.structure_id for row in rows],
        channel="anonymity_register",
    )
    return render(
        request,
        "structures/kit/anonymity_register.html",
        {
            "title": "Registre des exceptions d'anonymat",
            "rows": rows,
            "can_grant": request.user.is_superuser
            or _structures_with(request.user, "anonymity.approve").exists(),
            "legal_references": LEGAL_REFERENCES,
        },
    )


def _apply_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "HEAD", "POST"])
@_register_required
def anonymity_grant(request):
    form = GrantForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.anonymity_exception_grant(actor=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error("agent", str(exc))
            except ValidationError as exc:
                _apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    "Exception enregistrée : le public connaîtra l'agent par son pseudonyme "
                    "pendant la période indiquée.",
                )
                return redirect("structures:anonymity_register")
    return render(
        request,
        "structures/kit/anonymity_grant.html",
        {"title": "Accorder une exception d'anonymat", "form": form},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@_register_required
def anonymity_end(request, pk: int):
    exception = get_object_or_404(
        AnonymityException.objects.filter(
            agent__structure__in=_structures_with(request.user, "anonymity.approve")
        ).select_related("agent__structure", "approved_by"),
        pk=pk,
    )
    if not anonymity_exception_abilities(request.user, exception)["revoke"]:
        messages.info(request, "Cette exception est déjà levée, ou vous ne pouvez pas la lever.")
        return redirect("structures:anonymity_register")
    initial = {"revoked_from": timezone.localdate()}
    form = EndForm(request.POST or None, initial=initial, exception=exception)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.anonymity_exception_revoke(
                    actor=request.user,
                    exception=exception,
                    reason=form.cleaned_data["revocation_reason"],
                    effective_on=form.cleaned_data["revoked_from"],
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_service_errors(form, exc)
            else:
                messages.success(request, "Exception levée ; la date et le motif sont conservés.")
                return redirect("structures:anonymity_register")
    services.agent_record_access(
        actor=request.user, agent=exception.agent, channel="anonymity_register"
    )
    return render(
        request,
        "structures/kit/anonymity_end.html",
        {"title": "Lever une exception d'anonymat", "form": form, "exception": exception},
        status=status,
    )
