"""Forms of the agents' side of the correction channel (back office).

Every action form carries the case `version` the page was rendered with; the services compare it
with the row they lock (bonnefoi.cases.services) so that an agent acting on a stale page gets a
clear conflict instead of overwriting a colleague's work. The situation form is generated from
the rules engine's facts (labels, choices and help from bonnefoi/rules/data/facts.toml), as the
public checker does, and validated by the engine's own parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Func, Q
from django.db.models.functions import Lower
from dsfr.forms import DsfrBoundField

from bonnefoi.advice.models import Entry
from bonnefoi.advice.search.text import normalize
from bonnefoi.cases.models import CaseState, Outcome
from bonnefoi.cases.routing import ROUTABLE_KINDS
from bonnefoi.core.forms import BaseForm
from bonnefoi.right_to_error import checker
from bonnefoi.rules.situation import FIELD_KINDS, FIELD_NAMES
from bonnefoi.structures.models import Structure

# The deadlines an agent may give in an invitation to regularise (labels from facts.toml).
INVITATION_RULES = ("P15D", "P30D", "P1M", "P2M")
OTHER_ERROR = "autre"
ALL_STATES = "tous"
_TEXTAREA = {"rows": 4}
# Radio buttons in DSFR markup (django-dsfr's own snippets need widget_tweaks).
CHOICES_TEMPLATE = "includes/form/choices.html"


def invitation_rule_choices() -> list[tuple[str, str]]:
    labels = checker.question("deadline_rule").choices
    return [(rule, dict(labels)[rule]) for rule in INVITATION_RULES]


def default_invitation_rule() -> str:
    rule = getattr(settings, "CASE_INVITATION_DEFAULT_RULE", "P30D")
    return rule if rule in INVITATION_RULES else "P30D"


# --- the queue ---------------------------------------------------------------------------------


class QueueFilterForm(BaseForm):
    """Filters of the queue (GET). Unknown values are refused with a French message."""

    etat = forms.ChoiceField(label="État", required=False)
    structure = forms.TypedChoiceField(label="Structure", required=False, coerce=int)
    q = forms.CharField(
        label="Rechercher",
        required=False,
        max_length=100,
        help_text="Une référence (BF-…), une démarche ou des mots de la déclaration.",
    )
    en_retard = forms.BooleanField(label="Seulement les dossiers en retard", required=False)

    def __init__(self, *args, structures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etat"].choices = [
            ("", "Dossiers ouverts"),
            *CaseState.choices,
            (ALL_STATES, "Tous les dossiers"),
        ]
        self.fields["structure"].choices = [("", "Toutes mes structures")] + [
            (s.pk, "\u00a0\u00a0" * (s.path.count("/") - 1) + s.name) for s in structures
        ]


# --- actions on a case -------------------------------------------------------------------------


class VersionedForm(BaseForm):
    """Carries the version of the case the agent saw (optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    id_prefix = "action"  # several forms share a page: their ids must differ

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        initial = kwargs.pop("initial", {}) or {}
        if case is not None:
            initial.setdefault("version", case.version)
        super().__init__(*args, initial=initial, **kwargs)
        self.case = case


class TakeForm(VersionedForm):
    id_prefix = "prendre"


class CloseForm(VersionedForm):
    id_prefix = "clore"


class MessageForm(VersionedForm):
    id_prefix = "message"
    body = forms.CharField(
        label="Message à la personne",
        help_text="Il est envoyé par e-mail et figure sur sa page de suivi.",
        widget=forms.Textarea(attrs=_TEXTAREA),
        max_length=5000,
    )


class NoteForm(VersionedForm):
    id_prefix = "note"
    body = forms.CharField(
        label="Note interne",
        help_text="Visible seulement des agents ; la personne ne la lit jamais.",
        widget=forms.Textarea(attrs=_TEXTAREA),
        max_length=5000,
    )


class InviteForm(VersionedForm):
    id_prefix = "invitation"
    requested = forms.CharField(
        label="Ce que la personne doit faire",
        help_text="Par exemple : envoyer le bulletin de salaire de mars, corriger la déclaration "
        "en ligne.",
        widget=forms.Textarea(attrs=_TEXTAREA),
        max_length=3000,
    )
    rule = forms.ChoiceField(
        label="Délai pour régulariser",
        help_text="Compté à partir d'aujourd'hui ; reporté au premier jour ouvré s'il finit un "
        "samedi, un dimanche ou un jour férié.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = invitation_rule_choices()
        self.fields["rule"].initial = default_invitation_rule()


class TagForm(VersionedForm):
    """The frequent-error entry of the case (a published advice entry), or "autre" + a label."""

    id_prefix = "etiquette"

    entry = forms.ChoiceField(
        label="Erreur fréquente correspondante",
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
    )
    other_label = forms.CharField(
        label="Si « autre » : l'erreur en quelques mots",
        required=False,
        max_length=120,
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(entry.pk), entry.title) for entry in entries]
        submitted = self.data.get(self.add_prefix("entry")) if self.is_bound else None
        if (
            submitted
            and submitted.isascii()
            and submitted.isdigit()
            and submitted not in dict(choices)
        ):
            chosen = Entry.objects.published().filter(pk=int(submitted)).first()
            if chosen is not None:  # a search hit: keep it offered after a refusal
                choices.append((submitted, chosen.title))
        self.fields["entry"].choices = [*choices, (OTHER_ERROR, "Autre erreur (à décrire)")]

    def clean(self):
        data = super().clean()
        choice = data.get("entry")
        if choice == OTHER_ERROR:
            if not (data.get("other_label") or "").strip():
                self.add_error("other_label", "Décrivez l'erreur en quelques mots.")
            data["entry_object"] = None
        elif choice:
            data["entry_object"] = Entry.objects.published().filter(pk=int(choice)).first()
            if data["entry_object"] is None:
                self.add_error("entry", "Ce conseil n'est pas publié.")
        return data


REDIRECT_SEARCH_LIMIT = 20
REDIRECT_SEARCH_MAX_WORDS = 8
REDIRECT_SEARCH = "search"  # value of the "Chercher" button of the redirect form


@dataclass(frozen=True)
class RedirectTargets:
    """Structures found by the redirect search (at most REDIRECT_SEARCH_LIMIT, by name), and
    whether more matched."""

    structures: list[Structure]
    more: bool


def _name_contains(word: str) -> Q:
    if connection.vendor == "postgresql":  # the unaccent extension (advice migrations)
        return Q(plain_name__contains=normalize(word))
    return Q(name__icontains=word)


def redirect_targets(query: str, *, exclude: int | None = None) -> RedirectTargets:
    """Administrations and services whose name contains every word of `query` (accents
    ignored on PostgreSQL), a word being also matched by the start of the postal code ("57",
    "57000") or of the Services Publics+ code. Searched in the database: the platform holds
    every administration of the country."""
    words = query.split()[:REDIRECT_SEARCH_MAX_WORDS]
    if not words:
        return RedirectTargets(structures=[], more=False)
    structures = Structure.objects.filter(kind__in=ROUTABLE_KINDS)
    if connection.vendor == "postgresql":
        structures = structures.annotate(plain_name=Lower(Func(F("name"), function="unaccent")))
    for word in words:
        structures = structures.filter(
            _name_contains(word) | Q(postal_code__startswith=word) | Q(sp_code__istartswith=word)
        )
    if exclude is not None:
        structures = structures.exclude(pk=exclude)
    found = list(structures.order_by("name", "path")[: REDIRECT_SEARCH_LIMIT + 1])
    return RedirectTargets(
        structures=found[:REDIRECT_SEARCH_LIMIT], more=len(found) > REDIRECT_SEARCH_LIMIT
    )


def redirect_target_label(structure: Structure, roots: dict[int, str]) -> str:
    """ "CAF de la Moselle — 57000 Metz (Caisses d'allocations familiales)": many services
    share a name, the place and the network tell them apart."""
    place = " ".join(part for part in (structure.postal_code, structure.city) if part)
    label = f"{structure.name} — {place}" if place else structure.name
    root = roots.get(int(structure.path.split("/")[0])) if structure.parent_id else None
    return f"{label} ({root})" if root else label


class RedirectForm(VersionedForm):
    """Hand the case to another administration or service, found by a search (name, postal
    code, Services Publics+ code) rather than picked from every structure of the platform.

    The "Chercher" button posts the same form (action=search): nothing is recorded, the page
    comes back with the structures found and the reason as typed. The final post is a
    structure id (`to`) and a reason; the rules of a redirection (an administration or a
    service, not the one in charge, an open case) stay with services.case_redirect.
    """

    id_prefix = "transmettre"
    q = forms.CharField(
        label="Chercher l'administration ou le service destinataire",
        help_text="Un nom, un code postal ou un code Services Publics+, par exemple « CAF 57 ».",
        required=False,
        max_length=100,
    )
    to = forms.ModelChoiceField(
        label="Structure qui doit traiter le dossier",
        queryset=Structure.objects.all(),
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
        error_messages={
            "required": "Cherchez puis choisissez la structure qui doit traiter le dossier.",
            "invalid_choice": "Cette structure n'existe pas : cherchez-la de nouveau puis "
            "choisissez-la dans la liste.",
        },
    )
    reason = forms.CharField(
        label="Motif de la transmission",
        help_text="La personne lit ce motif sur sa page de suivi.",
        widget=forms.Textarea(attrs=_TEXTAREA),
        max_length=1000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.query = str(source.get("q") or "").strip()[: self.fields["q"].max_length]
        exclude = self.case.structure_id if self.case is not None else None
        self.targets = redirect_targets(self.query, exclude=exclude)
        offered = list(self.targets.structures)
        chosen = str(source.get("to") or "")
        if chosen.isascii() and chosen.isdigit() and all(str(s.pk) != chosen for s in offered):
            kept = Structure.objects.filter(pk=int(chosen), kind__in=ROUTABLE_KINDS).first()
            if kept is not None:  # picked from an earlier search: keep it offered
                offered.insert(0, kept)
        roots = dict(
            Structure.objects.filter(
                pk__in={int(s.path.split("/")[0]) for s in offered}
            ).values_list("pk", "name")
        )
        # The radio buttons offer only what the search found; validation still looks the posted
        # id up in the table (ModelChoiceField.to_python) and services.case_redirect judges it.
        self.fields["to"].choices = [(str(s.pk), redirect_target_label(s, roots)) for s in offered]
        self.offered = offered


# --- decision support --------------------------------------------------------------------------

# Facts always offered to the agent (besides those already known and those the engine asks).
BASE_FACTS = (
    "sector",
    "error_kind",
    "sanction_nature",
    "first_time",
    "regularised",
    "bad_faith_established",
    "fraud_established",
    "exception_category",
    "location.department",
    "dates.error",
    "dates.invitation",
    "dates.deadline_stated",
    "deadline_rule",
    "dates.regularisation",
)
# Other names of the same facts: offered only when the engine asks for them.
ALIAS_FACTS = ("previous_error_same_rule", "dates.deadline")
UNKNOWN_LABEL = "Inconnu / à établir"
_INPUTS = {
    "date": forms.DateInput(attrs={"type": "date"}),
    "count": forms.TextInput(attrs={"inputmode": "numeric"}),
    "amount": forms.TextInput(attrs={"inputmode": "decimal"}),
    "percentage": forms.TextInput(attrs={"inputmode": "decimal"}),
    "department": forms.TextInput(attrs={"maxlength": "3", "spellcheck": "false"}),
}


def field_name(fact: str) -> str:
    """HTML-safe name of a fact's field: "dates.error" -> "f_dates__error"."""
    return "f_" + fact.replace(".", "__")


def flatten(situation: dict, prefix: str = "") -> dict[str, str]:
    """A JSON situation as dotted facts with their canonical string values."""
    flat: dict[str, str] = {}
    for key, value in situation.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        elif value is not None:
            flat[name] = str(value)
    return flat


def to_situation(answers: dict[str, str]) -> dict:
    """Canonical string answers (checker.validate) as the engine's JSON contract."""
    situation: dict = {}
    for fact, raw in answers.items():
        if raw == checker.UNKNOWN:
            continue
        kind = FIELD_KINDS[fact]
        if kind == "boolean":
            value = raw == "true"
        elif kind == "count":
            value = int(raw)
        else:
            value = raw
        *parents, leaf = fact.split(".")
        target = situation
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return situation


class _FactBoundField(DsfrBoundField):
    @property
    def auto_id(self):
        return super().auto_id.replace("__", "-")


class SituationForm(BaseForm):
    """The engine's situation, one field per fact shown; every value optional ("inconnu").

    `facts` are the facts shown, in the contract's order. Values are checked by the rules
    engine's parser (checker.validate), whose French messages become field errors.
    """

    bound_field_class = _FactBoundField

    def __init__(self, *args, facts, initial_answers=None, **kwargs):
        initial = {field_name(f): v for f, v in (initial_answers or {}).items() if f in facts}
        super().__init__(*args, initial=initial, auto_id="situation-%s", **kwargs)
        self.facts = [fact for fact in FIELD_NAMES if fact in facts]
        for fact in self.facts:
            question = checker.question(fact)
            info_help = question.help or ""
            hint = f"Question posée au public : « {question.text} »"
            help_text = f"{info_help} {hint}".strip() if info_help else hint
            if question.kind == "choice":
                field = forms.ChoiceField(
                    label=question.label,
                    choices=[("", UNKNOWN_LABEL), *question.choices],
                    required=False,
                    help_text=help_text,
                )
            else:
                field = forms.CharField(
                    label=question.label,
                    required=False,
                    max_length=checker.MAX_VALUE_LENGTH,
                    help_text=help_text,
                    widget=_INPUTS.get(question.kind, forms.TextInput()),
                )
            self.fields[field_name(fact)] = field
        self.answers: dict[str, str] = {}

    def clean(self):
        data = super().clean()
        raw = {
            fact: (data.get(field_name(fact)) or "").strip()
            for fact in self.facts
            if field_name(fact) not in self.errors
        }
        canonical, errors = checker.validate({f: v for f, v in raw.items() if v})
        for fact, messages in errors.items():
            for message in messages:
                self.add_error(field_name(fact), message)
        self.answers = canonical
        return data

    def situation(self) -> dict:
        """The JSON situation of a valid form."""
        return to_situation(self.answers)

    def answered(self) -> dict[str, str]:
        """What the agent typed, by fact (kept across round trips even when refused)."""
        if not self.is_bound:
            return {}
        return {
            fact: self.data.get(field_name(fact), "").strip()
            for fact in self.facts
            if self.data.get(field_name(fact), "").strip()
        }


class DecisionForm(VersionedForm):
    id_prefix = "decision"
    outcome = forms.ChoiceField(
        label="Votre décision",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
    )
    motivation = forms.CharField(
        label="Motivation",
        help_text="Les raisons de la décision, en français clair : elles figurent dans le "
        "courrier envoyé à la personne.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )
    deviation_reason = forms.CharField(
        label="Motif de l'écart avec l'avis du moteur",
        help_text="Obligatoire si votre décision diffère de l'avis du moteur, ou si le moteur "
        "ne peut pas conclure.",
        widget=forms.Textarea(attrs=_TEXTAREA),
        required=False,
        max_length=5000,
    )
    evidence = forms.CharField(
        label="Éléments de preuve",
        help_text="Obligatoire pour retenir la mauvaise foi ou la fraude : c'est à "
        "l'administration de les prouver, la bonne foi de la personne est présumée.",
        widget=forms.Textarea(attrs=_TEXTAREA),
        required=False,
        max_length=10000,
    )
    sanction_amount_eur = forms.DecimalField(
        label="Sanction envisagée (en euros)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    sums_due_eur = forms.DecimalField(
        label="Sommes restant dues (en euros)",
        help_text="Le montant dû reste à payer même quand le droit à l'erreur s'applique "
        "(trop-perçu, impôt, cotisations).",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def add_service_errors(self, error: ValidationError) -> dict[str, list[str]]:
        """Put case_decide's errors on their fields; returns those about the situation."""
        situation_errors: dict[str, list[str]] = {}
        for name, messages in error.message_dict.items():
            if name.startswith("situation."):
                situation_errors[name.removeprefix("situation.")] = messages
            elif name in self.fields:
                for message in messages:
                    self.add_error(name, message)
            else:
                for message in messages:
                    self.add_error(None, message)
        return situation_errors
