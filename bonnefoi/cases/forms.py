"""Forms of the correction channel's public side: the steps of a declaration, the person's
answer on the tracking page, the lost-link request.

The step forms also judge the public API's JSON (`build_declaration`): a declaration is
checked the same way whatever the channel. Cross-field rules (dates in the future, a letter
without "the administration asked", the file identifier) are not written here a second time:
each step asks services.check_declaration and keeps the errors of its own fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from bonnefoi.advice.models import Procedure
from bonnefoi.advice.search.text import normalize
from bonnefoi.cases.attachments import ALLOWED_LABEL, CheckedFile, check_upload, clean_name
from bonnefoi.cases.models import IdentifierKind
from bonnefoi.cases.services import Declaration, check_declaration
from bonnefoi.core.forms import BaseForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHOICES_TEMPLATE = "includes/form/choices.html"
CHECKBOX_TEMPLATE = "cases/public/_checkbox.html"
TEXT_LIMIT = 2000
# Metropolitan départements 01-95 (Corsica's 20xxx included), overseas 971-978, 98x.
POSTAL_CODE = re.compile(r"^(?:(?:0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-8]\d{2}|98\d{3})$")
SEARCH_LIMIT = 20
YES_NO = [
    ("yes", "Oui, elle m'a écrit pour me le demander"),
    ("no", "Non, je le signale de moi-même"),
]


def _date(label: str, required_message: str, *, required: bool = True, help_text: str = ""):
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_WIDGET,
        help_text=help_text,
        error_messages={
            "required": required_message,
            "invalid": "Écrivez une date valide, par exemple 14/03/2026.",
        },
    )


def _text(label: str, required_message: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": required_message,
            "max_length": "Ce texte dépasse 2 000 caractères : raccourcissez-le.",
        },
    )


# Values a check of one step fills in for the other steps (they are judged on their own step).
_NEUTRAL = {
    "procedure": None,
    "postal_code": "",
    "declared_value": "",
    "declared_on": date(2000, 1, 1),
    "correct_value": "",
    "correct_since": date(2000, 1, 1),
    "contact_email": "",
}


class StepForm(BaseForm):
    """One step of the declaration. `declaration_values` gives the step's share of the
    services.Declaration once valid."""

    core_fields: tuple[str, ...] = ()

    def declaration_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.core_fields}

    def _core_check(self, values: dict) -> dict:
        """services.check_declaration on this step's values; adds its errors to the form and
        returns the values it normalised (the identifier in compact form)."""
        declaration = Declaration(**{**_NEUTRAL, **values})
        try:
            check_declaration(declaration)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name in self.fields:
                    for message in messages:
                        self.add_error(name, message)
        return {name: getattr(declaration, name) for name in values}


class ProcedureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Procedure) -> str:
        return obj.title


class ProcedureForm(StepForm):
    """Step 1: which procedure (the administration follows from it) and the postal code."""

    core_fields = ("procedure", "postal_code")
    procedure = ProcedureChoiceField(
        label="Démarche concernée",
        queryset=Procedure.objects.filter(owners__isnull=False).distinct(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez la démarche concernée : cherchez-la par son nom.",
            "invalid_choice": "Cette démarche n'existe pas ou n'a pas d'administration "
            "responsable : cherchez-la à nouveau par son nom.",
        },
    )
    postal_code = forms.CharField(
        label="Votre code postal",
        help_text="Celui de votre domicile (ou du siège pour une entreprise). Il sert à "
        "choisir l'administration proche de chez vous. Par exemple : 30900.",
        max_length=5,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        error_messages={
            "required": "Indiquez votre code postal.",
            "max_length": "Un code postal compte 5 chiffres, par exemple 30900.",
        },
    )

    def clean_postal_code(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["postal_code"])
        if not POSTAL_CODE.match(value):
            raise ValidationError(
                "Ce code postal n'existe pas : il compte 5 chiffres, par exemple 30900."
            )
        return value


class DeclarationForm(StepForm):
    """Step 2: what was declared and when, what is correct and since when."""

    core_fields = ("declared_value", "declared_on", "correct_value", "correct_since")
    declared_value = _text(
        "Qu'avez-vous déclaré ?",
        "Décrivez ce que vous avez déclaré.",
        "Par exemple : « J'ai déclaré 1 800 € de salaire pour le trimestre. » Écrivez "
        "seulement ce qui est utile à la correction.",
    )
    declared_on = _date(
        "Quand l'avez-vous déclaré ?",
        "Indiquez la date de votre déclaration, même approximative.",
        help_text="La date de la déclaration, même approximative. Par exemple : 14/03/2026.",
    )
    correct_value = _text(
        "Qu'est-ce qui est exact ?",
        "Décrivez ce qui est exact.",
        "Par exemple : « Mon salaire du trimestre était de 2 100 €, j'avais oublié une prime. »",
    )
    correct_since = _date(
        "Depuis quand est-ce exact ?",
        "Indiquez depuis quand c'est exact, même approximativement.",
        help_text="Par exemple : 01/01/2026.",
    )

    def clean(self):
        data = super().clean()
        if all(data.get(name) is not None for name in self.core_fields):
            self._core_check({name: data[name] for name in self.core_fields})
        return data


class AskedForm(StepForm):
    """Step 3: whether the administration already asked for the correction (its letter)."""

    core_fields = ("administration_asked", "letter_date", "letter_deadline")
    administration_asked = forms.ChoiceField(
        label="L'administration vous a-t-elle déjà demandé de corriger ?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
        error_messages={
            "required": "Répondez par oui ou par non.",
            "invalid_choice": "Répondez par oui ou par non.",
        },
    )
    letter_date = _date(
        "Date de son courrier ou de son message",
        "",
        required=False,
        help_text="Seulement si vous avez répondu oui. Par exemple : 02/02/2026.",
    )
    letter_deadline = _date(
        "Date limite indiquée dans ce courrier",
        "",
        required=False,
        help_text="Seulement si le courrier en indique une : c'est le délai pour régulariser.",
    )

    def clean(self):
        data = super().clean()
        if "administration_asked" not in data:
            return data
        data["administration_asked"] = data["administration_asked"] == "yes"
        if not self.has_error("letter_date") and not self.has_error("letter_deadline"):
            self._core_check({name: data.get(name) for name in self.core_fields})
        return data


class IdentifierForm(StepForm):
    """Step 4 (optional): the person's file identifier, checked by identifiers.py."""

    core_fields = ("identifier_kind", "identifier")
    identifier_kind = forms.ChoiceField(
        label="Type d'identifiant",
        choices=IdentifierKind.choices,
        required=False,
        help_text="Choisissez « Je ne le connais pas » si vous ne l'avez pas sous la main.",
        error_messages={"invalid_choice": "Choisissez un type d'identifiant de la liste."},
    )
    identifier = forms.CharField(
        label="Identifiant",
        required=False,
        max_length=60,
        help_text="Il figure sur les courriers de l'administration. Les espaces sont acceptés.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "Un identifiant compte 40 caractères au plus."},
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            checked = self._core_check(
                {
                    "identifier_kind": data.get("identifier_kind", ""),
                    "identifier": data.get("identifier", ""),
                }
            )
            data["identifier"] = checked["identifier"]
        return data


class ContactForm(StepForm):
    """Step 6: the e-mail address for the receipt and the tracking link, and the consent."""

    core_fields = ("contact_email",)
    contact_email = forms.EmailField(
        label="Votre adresse électronique",
        help_text="Vous y recevrez l'accusé de réception, le lien de suivi de votre dossier et "
        "les messages de l'administration. Format attendu : nom@domaine.fr",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Adresse électronique invalide : écrivez-la sous la forme nom@domaine.fr.",
        },
    )
    consent = forms.BooleanField(
        label="J'ai lu ces informations et j'accepte que ma déclaration soit transmise à "
        "l'administration indiquée.",
        template_name=CHECKBOX_TEMPLATE,
        error_messages={
            "required": "Cochez la case pour accepter la transmission de votre déclaration : "
            "sans elle, l'administration ne peut pas la traiter."
        },
    )


STEP_FORMS: dict[str, type[StepForm]] = {
    "demarche": ProcedureForm,
    "declaration": DeclarationForm,
    "demande": AskedForm,
    "identifiant": IdentifierForm,
    "contact": ContactForm,
}


def build_declaration(data: dict) -> tuple[Declaration | None, dict[str, StepForm]]:
    """Judge every step on `data` (raw strings, as typed or sent as JSON): the Declaration
    when every step is valid, else None; and the bound forms (their errors by field)."""
    bound = {step: form_class(data) for step, form_class in STEP_FORMS.items()}
    valid = [form.is_valid() for form in bound.values()]
    if not all(valid):
        return None, bound
    values: dict = {}
    for form in bound.values():
        values.update(form.declaration_values())
    return Declaration(**values), bound


def step_errors(bound: dict[str, StepForm]) -> dict[str, list[str]]:
    """French messages by field name, every step together."""
    return {
        name: list(messages) for form in bound.values() for name, messages in form.errors.items()
    }


# --- procedure search -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureHit:
    slug: str
    title: str
    owners: tuple[str, ...]


def search_procedures(query: str, *, selected: str = "") -> list[ProcedureHit]:
    """Procedures whose title or owning administration contains every word of `query`
    (accents and case ignored), titles first; the procedure already chosen is always listed."""
    words = [word for word in normalize(query).split() if len(word) >= 2][:8]
    hits: list[tuple[int, ProcedureHit]] = []
    procedures = Procedure.objects.filter(owners__isnull=False).distinct()
    for procedure in procedures.prefetch_related("owners").order_by("title"):
        owners = tuple(owner.name for owner in procedure.owners.all())
        hit = ProcedureHit(slug=procedure.slug, title=procedure.title, owners=owners)
        if procedure.slug == selected:
            hits.append((-1, hit))
            continue
        if not words:
            continue
        title = normalize(procedure.title)
        everything = title + " " + normalize(" ".join(owners))
        if all(word in everything for word in words):
            hits.append((0 if all(word in title for word in words) else 1, hit))
    hits.sort(key=lambda pair: pair[0])
    return [hit for _rank, hit in hits[: SEARCH_LIMIT + 1]]


# --- documents --------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


def check_files(uploaded, *, room: int) -> tuple[list[CheckedFile], list[str]]:
    """Check each uploaded file from its content: the accepted ones, and a French message for
    each refused one (named). Only the first `room` files (what the case or draft can still
    take) are read at all: the others are refused unread, so a request cannot make the server
    hold more than that many files in memory."""
    accepted, refused = [], []
    for index, item in enumerate(uploaded):
        if index >= max(room, 0):
            name = clean_name(getattr(item, "name", ""))
            refused.append(
                f"« {name} » n'a pas été ajouté : {settings.CASE_ATTACHMENTS_MAX_COUNT} "
                "documents au plus par déclaration."
            )
            continue
        try:
            accepted.append(check_upload(item))
        except ValidationError as error:
            refused.extend(error.messages)
    return accepted, refused


FILES_HELP = (
    f"Formats acceptés : {ALLOWED_LABEL} (le contenu est vérifié, pas seulement le nom). "
    "Plusieurs fichiers possibles."
)


class AnswerForm(BaseForm):
    """The person's answer on the tracking page: a message and/or documents."""

    body = forms.CharField(
        label="Votre message",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "Ce message dépasse 5 000 caractères : raccourcissez-le."},
    )


class LostLinkForm(BaseForm):
    """« J'ai perdu mon lien »: the case reference and the e-mail address given with it."""

    reference = forms.CharField(
        label="Référence du dossier",
        help_text="Elle figure dans l'accusé de réception, par exemple BF-7K3M-Q9XA.",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Indiquez la référence du dossier.",
            "max_length": "Une référence compte 12 caractères, par exemple BF-7K3M-Q9XA.",
        },
    )
    contact_email = forms.EmailField(
        label="Adresse électronique donnée lors de la déclaration",
        help_text="Format attendu : nom@domaine.fr",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Adresse électronique invalide : écrivez-la sous la forme nom@domaine.fr.",
        },
    )

    def clean_reference(self) -> str:
        """ "bf 7k3m q9xa", "7K3MQ9XA" -> "BF-7K3M-Q9XA" (Crockford: O read as 0, I and L as 1)."""
        value = re.sub(r"[\s\-_.]", "", self.cleaned_data["reference"]).upper()
        value = value.removeprefix("BF")
        value = value.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
        if not re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", value):
            raise ValidationError(
                "Référence invalide : elle s'écrit BF- puis 8 lettres ou chiffres, par exemple "
                "BF-7K3M-Q9XA."
            )
        return f"BF-{value[:4]}-{value[4:]}"
