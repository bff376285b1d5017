"""Forms of the advice catalogue's public side."""

from django import forms

from bonnefoi.advice.models import FeedbackReason

USEFUL_CHOICES = [("yes", "Oui"), ("no", "Non")]


class FeedbackForm(forms.Form):
    """« Ce conseil vous a-t-il été utile ? »: Oui / Non and, when Non, an optional closed reason.

    No free text and no personal data. The markup lives in advice/includes/feedback.html (it is
    included in the entry page, which has no form object): keep both in step.
    """

    useful = forms.ChoiceField(
        label="Ce conseil vous a-t-il été utile ?",
        choices=USEFUL_CHOICES,
        error_messages={
            "required": "Choisissez « Oui » ou « Non ».",
            "invalid_choice": "Choisissez « Oui » ou « Non ».",
        },
    )
    reason = forms.ChoiceField(
        label="Si non, pourquoi ? (facultatif)",
        choices=[("", "Sans réponse"), *FeedbackReason.choices],
        required=False,
        error_messages={"invalid_choice": "Choisissez une raison dans la liste proposée."},
    )
    version = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "La version du conseil lu manque : rechargez la page puis réessayez.",
            "invalid": "La version du conseil lu est incorrecte : rechargez la page puis réessayez.",
            "min_value": "La version du conseil lu est incorrecte : rechargez la page puis réessayez.",
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("useful") == "yes":
            data["reason"] = ""  # a reason only explains a "Non"; ignore one left ticked
        return data

    @property
    def first_error(self) -> str:
        for errors in self.errors.values():
            return errors[0]
        return ""
