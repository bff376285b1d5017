"""DSFR forms of the action plans, their actions and the filing volumes. Every error is in
French; a refused form is shown again with everything typed (the services re-check it all)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bonnefoi.advice.models import Entry, EntryStatus, Procedure
from bonnefoi.core.forms import BaseForm
from bonnefoi.core.personal_data import find_personal_data, personal_data_message
from bonnefoi.observatory.models import ActionKind, ActionStatus
from bonnefoi.structures.identification import Channel, agent_public_identity

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {
    "required": "Indiquez la date.",
    "invalid": "Saisissez une date valide, par exemple 14/03/2026.",
}
MULTIPLE_HINT = "Pour en choisir plusieurs, maintenez la touche Ctrl (ou Cmd sur Mac) en cliquant."
CHOICES_TEMPLATE = "includes/form/choices.html"


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class StructureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EntryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class OwnerChoiceField(forms.ModelChoiceField):
    """Agents shown as the viewer may see them (pseudonym under an anonymity exception)."""

    def __init__(self, *args, viewer, **kwargs):
        self.viewer = viewer
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        identity = agent_public_identity(
            agent=obj,
            channel=Channel.COUNTER_BADGE,
            viewer=self.viewer,
            service_label=obj.structure.name,
        )
        return f"{identity.name} — {obj.structure.name}"


def plan_entries():
    """Frequent errors a plan may target: every entry of the catalogue not archived."""
    return Entry.objects.exclude(status=EntryStatus.ARCHIVED).order_by("title")


class PlanForm(BaseForm):
    structure = StructureChoiceField(
        label="Structure",
        queryset=None,
        empty_label="Choisissez une structure",
        help_text="Le plan porte sur cette structure et tout ce qui en dépend.",
        error_messages={
            "required": "Choisissez la structure du plan.",
            "invalid_choice": "Choisissez une structure de votre périmètre.",
        },
    )
    title = forms.CharField(
        label="Intitulé du problème",
        max_length=160,
        error_messages={
            "required": "Donnez un intitulé au problème.",
            "max_length": "L'intitulé dépasse 160 caractères : raccourcissez-le.",
        },
    )
    problem = forms.CharField(
        label="Le problème constaté",
        max_length=4000,
        widget=_textarea(4),
        help_text="Ce que montrent les dossiers, les avis et les alertes.",
        error_messages={
            "required": "Décrivez le problème constaté.",
            "max_length": "La description dépasse 4 000 caractères.",
        },
    )
    entries = EntryChoiceField(
        label="Erreurs fréquentes concernées",
        queryset=Entry.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=MULTIPLE_HINT,
        error_messages={
            "required": "Choisissez au moins une erreur fréquente.",
            "invalid_choice": "Une des erreurs choisies n'existe plus.",
            "invalid_pk_value": "Une des erreurs choisies n'existe plus.",
        },
    )
    procedure = forms.ModelChoiceField(
        label="Démarche",
        queryset=Procedure.objects.order_by("title"),
        required=False,
        empty_label="Toutes les démarches",
        help_text="Pour mesurer l'effet en dossiers pour 1 000 dépôts, choisissez la démarche.",
        error_messages={"invalid_choice": "Cette démarche n'existe plus."},
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["entries"].queryset = plan_entries()


class ActionForm(BaseForm):
    kind = forms.ChoiceField(
        label="Type d'action",
        choices=[("", "Choisissez un type"), *ActionKind.choices],
        error_messages={
            "required": "Choisissez le type d'action.",
            "invalid_choice": "Type d'action inconnu.",
        },
    )
    description = forms.CharField(
        label="Ce qui sera fait",
        max_length=2000,
        widget=_textarea(3),
        error_messages={
            "required": "Décrivez ce qui sera fait.",
            "max_length": "La description dépasse 2 000 caractères.",
        },
    )
    due_on = forms.DateField(label="Échéance", widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, owners, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = OwnerChoiceField(
            label="Responsable",
            queryset=owners.order_by("structure__path", "last_name", "first_name", "pk"),
            viewer=viewer,
            empty_label="Choisissez un agent",
            help_text="Un agent de la structure du plan ou d'une structure qui en dépend.",
            error_messages={
                "required": "Choisissez l'agent responsable de l'action.",
                "invalid_choice": "Choisissez un agent de la structure du plan.",
            },
        )
        self.order_fields(["kind", "description", "owner", "due_on"])


class ActionUpdateForm(BaseForm):
    status = forms.ChoiceField(
        label="État",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
        error_messages={
            "required": "Choisissez l'état de l'action.",
            "invalid_choice": "État inconnu.",
        },
    )
    completed_on = forms.DateField(
        label="Réalisée le",
        required=False,
        widget=DATE_WIDGET,
        help_text="Obligatoire pour une action réalisée ; pas après aujourd'hui.",
        error_messages=DATE_ERRORS,
    )
    evidence = forms.CharField(
        label="Preuve de réalisation",
        required=False,
        max_length=2000,
        widget=_textarea(3),
        help_text="Obligatoire pour une action réalisée : lien, référence du document, version…",
        error_messages={"max_length": "La preuve dépasse 2 000 caractères."},
    )
    public_summary = forms.CharField(
        label="Ce qui a changé (texte public)",
        required=False,
        max_length=1000,
        widget=_textarea(3),
        help_text=(
            "Obligatoire pour une action réalisée. Publié sous « Vous nous l'avez signalé, nous "
            "avons agi » : aucune donnée personnelle (adresse électronique, téléphone…)."
        ),
        error_messages={"max_length": "Le texte dépasse 1 000 caractères."},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") != ActionStatus.DONE:
            return cleaned
        if not self.has_error("completed_on"):
            completed = cleaned.get("completed_on")
            if completed is None:
                self.add_error("completed_on", "Indiquez la date de réalisation.")
            elif completed > timezone.localdate():
                self.add_error("completed_on", "La date de réalisation ne peut pas être future.")
        if not (cleaned.get("evidence") or "").strip() and not self.has_error("evidence"):
            self.add_error("evidence", "Indiquez la preuve de réalisation.")
        summary = (cleaned.get("public_summary") or "").strip()
        if not self.has_error("public_summary"):
            if not summary:
                self.add_error("public_summary", "Dites en quelques lignes ce qui a changé.")
            else:
                found = find_personal_data(summary)
                if found:
                    self.add_error("public_summary", personal_data_message(found))
        return cleaned


class VolumeForm(BaseForm):
    structure = StructureChoiceField(
        label="Structure",
        queryset=None,
        empty_label="Choisissez une structure",
        error_messages={
            "required": "Choisissez la structure qui a reçu les dépôts.",
            "invalid_choice": "Choisissez une structure de votre périmètre.",
        },
    )
    procedure = forms.ModelChoiceField(
        label="Démarche",
        queryset=Procedure.objects.order_by("title"),
        empty_label="Choisissez une démarche",
        error_messages={
            "required": "Choisissez la démarche.",
            "invalid_choice": "Cette démarche n'existe plus.",
        },
    )
    first_day = forms.DateField(label="Du", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    last_day = forms.DateField(label="Au (inclus)", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    filings = forms.IntegerField(
        label="Nombre de dépôts",
        min_value=1,
        max_value=100_000_000,
        error_messages={
            "required": "Indiquez le nombre de dépôts.",
            "invalid": "Saisissez un nombre entier, sans espace.",
            "min_value": "Indiquez un nombre de dépôts supérieur à zéro.",
            "max_value": "Ce nombre paraît trop grand : vérifiez-le.",
        },
    )
    source = forms.CharField(
        label="Source du chiffre",
        max_length=200,
        help_text="Par exemple : « extraction du système de gestion, tableau mensuel ».",
        error_messages={
            "required": "Indiquez d'où vient ce chiffre.",
            "max_length": "La source dépasse 200 caractères.",
        },
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "La fin de la période ne peut pas précéder son début.")
        return cleaned


def apply_service_errors(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form (field errors where they belong)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
