"""Forms of the training back office; every refusal is a French message on the field."""

import datetime as dt

from django import forms
from django.utils import timezone

from bonnefoi.core.forms import BaseForm
from bonnefoi.structures.models import Structure
from bonnefoi.training.importing import MAX_BYTES
from bonnefoi.training.models import MODULE_CODE_VALIDATOR, Topic, TrainingModule
from bonnefoi.training.services import completion_errors, evidence_file_errors, module_errors

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StructureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Structure) -> str:
        return "\u2003" * max(obj.depth - 1, 0) + obj.name


class CompletionForm(BaseForm):
    module = forms.ModelChoiceField(
        label="Module",
        queryset=TrainingModule.objects.none(),
        error_messages={
            "required": "Choisissez le module suivi.",
            "invalid_choice": "Ce module n'est pas proposé à la structure de l'agent.",
        },
    )
    completed_on = forms.DateField(
        label="Date de la formation",
        help_text="Dernier jour de la session.",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date de la formation.",
            "invalid": "Date invalide.",
        },
    )
    provider = forms.CharField(
        label="Organisme de formation",
        max_length=200,
        error_messages={"required": "Indiquez l'organisme de formation."},
    )
    evidence_reference = forms.CharField(
        label="Référence de l'attestation",
        max_length=200,
        required=False,
        help_text="Numéro d'attestation ou de session ; obligatoire sans fichier joint.",
    )
    evidence_file = forms.FileField(
        label="Attestation",
        required=False,
        help_text="PDF, PNG ou JPEG, 5 Mo au plus ; obligatoire sans référence.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args, agent, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent = agent
        self.fields["module"].queryset = modules

    def clean(self):
        data = super().clean()
        if data.get("module") and data.get("completed_on"):
            errors = completion_errors(
                agent=self.agent,
                module=data["module"],
                completed_on=data["completed_on"],
                evidence_reference=data.get("evidence_reference", ""),
                evidence_file=data.get("evidence_file"),
            )
            for name, message in errors.items():
                self.add_error(name, message)
        elif data.get("evidence_file"):
            for message in evidence_file_errors(data["evidence_file"]):
                self.add_error("evidence_file", message)
        return data


class PopulationsForm(BaseForm):
    front_line = forms.BooleanField(
        label="Agent de premier accueil (reçoit ou répond au public)", required=False
    )
    manager = forms.BooleanField(label="Encadrant (équipe ou site)", required=False)


class ModuleForm(BaseForm):
    owner = StructureChoiceField(
        label="Structure qui propose le module",
        queryset=Structure.objects.none(),
        help_text="Le module est proposé à cette structure et aux structures rattachées.",
        error_messages={
            "required": "Choisissez la structure.",
            "invalid_choice": "Structure hors de votre périmètre.",
        },
    )
    title = forms.CharField(
        label="Intitulé", max_length=200, error_messages={"required": "Donnez un intitulé."}
    )
    code = forms.CharField(
        label="Code",
        max_length=60,
        validators=[MODULE_CODE_VALIDATOR],
        help_text="Minuscules, chiffres et tirets ; c'est le code que l'organisme reprend dans ses exports.",
        error_messages={"required": "Donnez un code au module."},
    )
    topic = forms.ChoiceField(label="Thème", choices=Topic.choices)
    description = forms.CharField(
        label="Objectifs", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    mandatory = forms.BooleanField(
        label="Obligatoire pour les agents de premier accueil et les encadrants", required=False
    )
    refresher_months = forms.IntegerField(
        label="Recyclage (en mois)",
        required=False,
        min_value=1,
        max_value=120,
        help_text="Laissez vide si la formation n'a pas à être renouvelée.",
        error_messages={
            "min_value": "Au moins 1 mois.",
            "max_value": "Au plus 120 mois.",
            "invalid": "Un nombre de mois entier.",
        },
    )
    basis_label = forms.CharField(
        label="Fondement (texte, circulaire…)", max_length=300, required=False
    )
    basis_url = forms.URLField(
        label="Adresse du fondement",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Adresse web invalide (https://…)."},
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners

    def clean(self):
        data = super().clean()
        if data.get("code"):
            for name, message in module_errors(code=data["code"], owner=data.get("owner")).items():
                self.add_error(name, message)
        if data.get("basis_url") and not data.get("basis_label"):
            self.add_error("basis_label", "Nommez le texte dont vous donnez l'adresse.")
        return data


class CoverageForm(BaseForm):
    structure = StructureChoiceField(
        label="Structure",
        queryset=Structure.objects.none(),
        error_messages={"invalid_choice": "Structure hors de votre périmètre."},
    )
    on_date = forms.DateField(
        label="Situation au",
        widget=DATE_WIDGET,
        error_messages={"invalid": "Date invalide."},
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures

    def clean_on_date(self):
        on_date = self.cleaned_data["on_date"]
        if on_date > timezone.localdate():
            raise forms.ValidationError("Choisissez aujourd'hui ou une date passée.")
        if on_date < dt.date(2000, 1, 1):
            raise forms.ValidationError("Choisissez une date à partir de 2000.")
        return on_date


class ImportForm(BaseForm):
    file = forms.FileField(
        label="Export CSV de l'organisme",
        help_text="Colonnes e-mail, module, date, et si possible organisme et référence ; séparateur « ; » "
        "ou « , » ; 2 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choisissez le fichier à importer."},
    )
    default_provider = forms.CharField(
        label="Organisme de formation",
        max_length=200,
        required=False,
        help_text="Utilisé pour les lignes qui ne le précisent pas.",
    )
    dry_run = forms.BooleanField(label="Vérifier seulement, sans rien importer", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Le fichier doit être un export CSV (.csv).")
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("Le fichier dépasse 2 Mo : découpez l'export.")
        return upload
