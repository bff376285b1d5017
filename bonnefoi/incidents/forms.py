"""Forms of the compartment: the report, each follow-up step, the statistics filter.

Every refusal says in French what to change; a refused form is shown again with what was typed.
"""

import datetime as dt

from django import forms
from django.utils import timezone

from bonnefoi.core.forms import BaseForm
from bonnefoi.incidents.models import (
    CONSEQUENCES,
    GRAVITY_HINTS,
    IMMEDIATE_MEASURES,
    AuthorKind,
    Category,
    Channel,
    Complainant,
    Gravity,
    ProtectionDecision,
    SupportKind,
)
from bonnefoi.incidents.selectors import (
    default_report_structure,
    reportable_structures,
    statistics_structures,
)
from bonnefoi.incidents.statistics import Period
from bonnefoi.structures.models import Structure

CHOICES_TEMPLATE = "includes/form/choices.html"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _radio(label: str, choices, required_message: str, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


def _text(label: str, *, required: bool = False, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=5000,
        error_messages={"max_length": "Ce texte dépasse 5 000 caractères : raccourcissez-le."},
        **kwargs,
    )


class _StructureChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Structure) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class ReportForm(BaseForm):
    structure = _StructureChoice(
        label="Site où les faits se sont produits",
        queryset=Structure.objects.none(),
        empty_label="Choisissez le site",
        error_messages={
            "required": "Choisissez le site.",
            "invalid_choice": "Choisissez un site de la liste : ceux où vous travaillez.",
        },
    )
    occurred_on = forms.DateField(
        label="Date des faits",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date des faits.",
            "invalid": "Écrivez une date valide, par exemple 14/03/2026.",
        },
    )
    occurred_time = forms.TimeField(
        label="Heure approximative",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Indiquez l'heure, même approximative.",
            "invalid": "Écrivez une heure valide, par exemple 10:30.",
        },
    )
    channel = _radio("Canal", Channel.choices, "Choisissez le canal où les faits ont eu lieu.")
    gravity = _radio(
        "Gravité (échelle de la DITP)",
        [(value, f"{label} : {GRAVITY_HINTS[value]}") for value, label in Gravity.choices],
        "Choisissez le niveau de gravité.",
    )
    category = _radio("Nature des faits", Category.choices, "Choisissez la nature des faits.")
    narrative = _text(
        "Récit des faits",
        required=True,
        rows=8,
        help_text="Ce qui s'est passé, les mots ou gestes, dans l'ordre. Ce récit n'est lu que "
        "par vous et par les référents incivilités de votre structure.",
    )
    author_kind = _radio("Auteur", AuthorKind.choices, "Dites si l'auteur est connu.")
    author_details = _text(
        "Précisions sur l'auteur",
        help_text="Ce qui permet de l'identifier s'il est connu (numéro de dossier…).",
    )
    witnesses = _text("Témoins", help_text="Collègues ou usagers présents, s'il y en a.")
    consequences = forms.MultipleChoiceField(
        label="Conséquences",
        choices=CONSEQUENCES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        template_name=CHOICES_TEMPLATE,
        error_messages={"invalid_choice": "Choisissez parmi les conséquences proposées."},
    )
    measures = forms.MultipleChoiceField(
        label="Mesures prises sur le moment",
        choices=IMMEDIATE_MEASURES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        template_name=CHOICES_TEMPLATE,
        error_messages={"invalid_choice": "Choisissez parmi les mesures proposées."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = reportable_structures(user)
        default = default_report_structure(user)
        if default is not None and not self.is_bound:
            self.initial.setdefault("structure", default.pk)

    def clean(self):
        data = super().clean()
        day, time = data.get("occurred_on"), data.get("occurred_time")
        if day is not None and time is not None:
            moment = timezone.make_aware(
                dt.datetime.combine(day, time), timezone.get_current_timezone()
            )
            if moment > timezone.now():
                self.add_error("occurred_on", "Les faits ne peuvent pas être dans le futur.")
            else:
                data["occurred_at"] = moment
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "structure": data["structure"],
            "occurred_at": data["occurred_at"],
            "channel": data["channel"],
            "gravity": data["gravity"],
            "category": data["category"],
            "narrative": data["narrative"],
            "author_kind": data["author_kind"],
            "author_details": data.get("author_details", ""),
            "witnesses": data.get("witnesses", ""),
            "consequences": set(data.get("consequences", [])),
            "measures": set(data.get("measures", [])),
        }


# --- follow-up -------------------------------------------------------------------------------


class _StepForm(BaseForm):
    happened_on = forms.DateField(
        label="Date",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date de cette étape.",
            "invalid": "Écrivez une date valide, par exemple 14/03/2026.",
        },
    )
    note = _text("Commentaire", help_text="Lu par l'agent qui a signalé et par les référents.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("happened_on", timezone.localdate())


class AcknowledgeForm(_StepForm):
    pass


class SupportForm(_StepForm):
    detail = _radio("Soutien proposé", SupportKind.choices, "Choisissez le soutien proposé.")
    field_order = ["detail", "happened_on", "note"]


class ComplaintForm(_StepForm):
    detail = _radio("Plainte déposée", Complainant.choices, "Dites qui a porté plainte.")
    field_order = ["detail", "happened_on", "note"]


class ProtectionRequestForm(_StepForm):
    pass


class ProtectionDecisionForm(_StepForm):
    detail = _radio("Décision", ProtectionDecision.choices, "Choisissez la décision.")
    field_order = ["detail", "happened_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].label = "Motifs"
        self.fields["note"].help_text = (
            "Obligatoires en cas de refus (par exemple une faute personnelle détachable du "
            "service)."
        )


class ProsecutorForm(_StepForm):
    pass


class CloseForm(BaseForm):
    answer = _text(
        "Réponse écrite à l'agent",
        required=True,
        rows=6,
        help_text="Ce qui a été fait, ce qui reste possible pour l'agent. Il la lit sur son "
        "signalement.",
    )


# --- statistics ------------------------------------------------------------------------------


class StatisticsForm(BaseForm):
    structure = _StructureChoice(
        label="Périmètre",
        queryset=Structure.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez une structure de votre périmètre."},
    )
    year = forms.IntegerField(
        label="Année",
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "Écrivez une année sur 4 chiffres.",
            "min_value": "Choisissez une année après 2000.",
            "max_value": "Choisissez une année avant 2100.",
        },
    )
    period = forms.ChoiceField(
        label="Découpage",
        choices=Period.CHOICES,
        error_messages={"invalid_choice": "Choisissez un découpage de la liste."},
    )

    def __init__(self, query, *, user, **kwargs):
        """Bound to the query string; a missing parameter takes its default."""
        queryset = statistics_structures(user)
        first = queryset.first()
        defaults = {
            "structure": first.pk if first else "",
            "year": timezone.localdate().year,
            "period": Period.MONTH,
        }
        data = {name: query.get(name) or default for name, default in defaults.items()}
        super().__init__(data, **kwargs)
        self.fields["structure"].queryset = queryset
