"""DSFR forms of the premises audits. Every error is in French; nothing typed is lost on error
(browsers never refill file inputs: the error summary asks to choose the photos again)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bonnefoi.core.forms import BaseForm
from bonnefoi.reception.conf import setting
from bonnefoi.reception.models import (
    ActionStatus,
    Audit,
    AuditKind,
    ChecklistVersion,
    Criterion,
    Rating,
)
from bonnefoi.reception.photos import clean_photo
from bonnefoi.reception.services import COMMENT_REQUIRED, ResultInput
from bonnefoi.structures.identification import Channel, agent_public_identity

CHOICES_TEMPLATE = "includes/form/choices_inline.html"
UPLOAD_TEMPLATE = "reception/_upload.html"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {
    "required": "Indiquez la date.",
    "invalid": "Saisissez une date valide, par exemple 14/03/2026.",
}


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos, each checked and re-encoded (``photos.clean_photo``)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        most = setting("RECEPTION_PHOTOS_PER_CRITERION")
        if len(uploads) > most:
            raise ValidationError(f"Au plus {most} photos par critère.")
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(clean_photo(upload))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


def rating_field(name: str) -> str:
    return f"rating_{name}"


def comment_field(name: str) -> str:
    return f"comment_{name}"


def photos_field(name: str) -> str:
    return f"photos_{name}"


class AuditForm(BaseForm):
    """One audit against one checklist version: three fields per criterion."""

    checklist_number = forms.IntegerField(label="Grille", widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label="Type d'audit",
        choices=AuditKind.choices,
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
        error_messages={
            "required": "Dites s'il s'agit d'une autoévaluation ou d'une visite mystère."
        },
    )
    visited_on = forms.DateField(
        label="Date de la visite", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    conducted_by = forms.CharField(
        label="Réalisé par",
        required=False,
        max_length=150,
        help_text="Service ou prestataire qui a fait la visite. Pas de nom de personne.",
        error_messages={"max_length": "150 caractères au plus."},
    )
    summary = forms.CharField(
        label="Synthèse",
        required=False,
        max_length=4000,
        widget=_textarea(4),
        help_text="Ce qui ressort de la visite, en quelques phrases. Ne nommez ni agent ni usager.",
        error_messages={"max_length": "La synthèse dépasse 4 000 caractères."},
    )

    def __init__(self, *args, checklist: ChecklistVersion, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("checklist_number", checklist.number)
        kwargs["initial"].setdefault("visited_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.criteria: list[Criterion] = list(checklist.criteria.order_by("position"))
        for criterion in self.criteria:
            self.fields[rating_field(criterion.key)] = forms.ChoiceField(
                label=criterion.label,
                help_text=criterion.help_text,
                choices=Rating.choices,
                widget=forms.RadioSelect,
                template_name=CHOICES_TEMPLATE,
                error_messages={"required": "Choisissez une appréciation pour ce critère."},
            )
            self.fields[comment_field(criterion.key)] = forms.CharField(
                label="Commentaire",
                required=False,
                max_length=2000,
                widget=_textarea(2),
                help_text="Obligatoire si le critère n'est pas respecté ou l'est en partie.",
                error_messages={"max_length": "Le commentaire dépasse 2 000 caractères."},
            )
            self.fields[photos_field(criterion.key)] = PhotosField(
                label="Photos",
                help_text=(
                    f"JPEG ou PNG, {setting('RECEPTION_PHOTO_MAX_BYTES') // (1024 * 1024)} Mo "
                    f"au plus chacune, {setting('RECEPTION_PHOTOS_PER_CRITERION')} au plus. "
                    "Photographiez les lieux, sans personne reconnaissable. La position GPS et "
                    "les autres métadonnées sont effacées."
                ),
                template_name=UPLOAD_TEMPLATE,
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("checklist_number") != self.checklist.number:
            self.add_error(
                None,
                f"La grille a changé pendant la saisie (la grille n° {self.checklist.number} est "
                "maintenant en vigueur) : vérifiez les critères ci-dessous, puis enregistrez de "
                "nouveau.",
            )
            # The next submission is made against the version now in force.
            self.data = self.data.copy()
            self.data["checklist_number"] = str(self.checklist.number)
        for criterion in self.criteria:
            rating = cleaned.get(rating_field(criterion.key))
            comment = (cleaned.get(comment_field(criterion.key)) or "").strip()
            if rating in COMMENT_REQUIRED and not comment:
                self.add_error(
                    comment_field(criterion.key),
                    "Dites ce qui manque : un commentaire est demandé quand le critère n'est "
                    "pas respecté ou ne l'est qu'en partie.",
                )
        return cleaned

    def error_items(self) -> list[dict]:
        """Errors for the summary at the top: anchor, what is concerned, messages."""
        names = {}
        for criterion in self.criteria:
            names[rating_field(criterion.key)] = criterion.label
            names[comment_field(criterion.key)] = f"{criterion.label} — commentaire"
            names[photos_field(criterion.key)] = f"{criterion.label} — photos"
        return [
            {
                "anchor": self[name].auto_id,
                "label": names.get(name, self.fields[name].label),
                "messages": errors,
            }
            for name in self.fields
            if (errors := self.errors.get(name))
        ]

    def sections(self) -> list[dict]:
        """Criteria grouped by theme, in checklist order, with their three bound fields."""
        sections: list[dict] = []
        for criterion in self.criteria:
            if not sections or sections[-1]["theme"] != criterion.theme:
                sections.append({"theme": criterion.theme, "items": []})
            sections[-1]["items"].append(
                {
                    "criterion": criterion,
                    "rating": self[rating_field(criterion.key)],
                    "comment": self[comment_field(criterion.key)],
                    "photos": self[photos_field(criterion.key)],
                }
            )
        return sections

    def results(self) -> dict[str, ResultInput]:
        data = self.cleaned_data
        return {
            c.key: ResultInput(
                rating=data[rating_field(c.key)],
                comment=data.get(comment_field(c.key), ""),
                photos=data.get(photos_field(c.key)) or [],
            )
            for c in self.criteria
        }

    def service_error_field(self, key: str) -> str | None:
        """Form field for an error key raised by ``services.audit_record_errors``."""
        if key in {"visited_on"}:
            return key
        if key in {c.key for c in self.criteria}:
            return rating_field(key)
        return None


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


class CorrectiveActionForm(BaseForm):
    criterion = forms.ModelChoiceField(
        label="Critère concerné",
        queryset=Criterion.objects.none(),
        empty_label="Choisissez un critère",
        error_messages={
            "required": "Choisissez le critère que l'action corrige.",
            "invalid_choice": "Ce critère ne fait pas partie de la grille de cet audit.",
        },
    )
    description = forms.CharField(
        label="Action à mener",
        max_length=2000,
        widget=_textarea(3),
        help_text="Ce qui sera fait, concrètement (par exemple : « remplacer les néons du hall »).",
        error_messages={
            "required": "Décrivez l'action à mener.",
            "max_length": "La description dépasse 2 000 caractères.",
        },
    )
    due_on = forms.DateField(label="Échéance", widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, audit: Audit, owners, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.fields["criterion"].queryset = audit.checklist.criteria.order_by("position")
        self.fields["owner"] = OwnerChoiceField(
            label="Responsable",
            queryset=owners.order_by("structure__path", "last_name", "first_name", "pk"),
            viewer=viewer,
            empty_label="Choisissez un agent",
            help_text="Un agent de l'administration dont dépend le site.",
            error_messages={
                "required": "Choisissez l'agent responsable de l'action.",
                "invalid_choice": "Choisissez un agent de l'administration dont dépend le site.",
            },
        )
        # Keep the declared order: criterion, description, owner, due date.
        self.order_fields(["criterion", "description", "owner", "due_on"])

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < self.audit.visited_on:
            raise ValidationError("L'échéance ne peut pas précéder la visite.")
        return due_on

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if not text:
            raise ValidationError("Décrivez l'action à mener.")
        return text


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
    follow_up = forms.CharField(
        label="Suivi",
        required=False,
        max_length=2000,
        widget=_textarea(3),
        help_text="Ce qui a été fait ou ce qui bloque.",
        error_messages={"max_length": "Le suivi dépasse 2 000 caractères."},
    )
