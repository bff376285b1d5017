"""The checker's question form: one field, named after the fact it answers."""

from django import forms
from dsfr.forms import DsfrBoundField

from bonnefoi.core.forms import BaseForm
from bonnefoi.right_to_error.checker import Question

_HINTS = {
    "count": "Un nombre entier, par exemple 30.",
    "amount": "En euros, par exemple 1250,50.",
    "percentage": "Un pourcentage, par exemple 4,5.",
}
_INPUT_ATTRS = {
    "date": {"type": "date"},
    "count": {"type": "text", "inputmode": "numeric"},
    "amount": {"type": "text", "inputmode": "decimal"},
    "percentage": {"type": "text", "inputmode": "decimal"},
    "department": {"type": "text", "maxlength": "3", "spellcheck": "false"},
}


class _BoundField(DsfrBoundField):
    @property
    def auto_id(self):
        # Field names are dotted fact names ("dates.invitation"); ids stay plain.
        return super().auto_id.replace(".", "-")


class QuestionForm(BaseForm):
    """A single question of the public checker.

    The field is named after the fact of the JSON contract, so the GET form adds the answer to
    the query string under that name. Answers are validated by the rules engine (see
    ``checker.validate``), which gives the French messages this form displays.
    """

    bound_field_class = _BoundField

    def __init__(self, question: Question, *, value: str | None = None, errors=()):
        data = None if value is None else {question.fact: value}
        super().__init__(data=data, auto_id="champ-%s")
        self.question = question
        self.answer_errors = list(errors)
        self.fields[question.fact] = forms.CharField(
            label=question.text, help_text=question.help or "", required=False
        )

    def clean(self):
        for message in self.answer_errors:
            self.add_error(self.question.fact, message)
        return self.cleaned_data

    @property
    def field(self):
        return self[self.question.fact]

    @property
    def value(self) -> str:
        """The answer as typed (kept when it is refused)."""
        return self.data.get(self.question.fact, "") if self.is_bound else ""

    @property
    def is_choice(self) -> bool:
        return self.question.kind == "choice"

    @property
    def options(self) -> list[dict]:
        base = self.field.auto_id
        return [
            {
                "id": f"{base}-{number}",
                "value": value,
                "label": label,
                "checked": value == self.value,
            }
            for number, (value, label) in enumerate(self.question.choices, start=1)
        ]

    @property
    def hint(self) -> str:
        parts = [self.question.help or "", _HINTS.get(self.question.kind, "")]
        return " ".join(part for part in parts if part)

    @property
    def described_by(self) -> str:
        base = self.field.auto_id
        ids = [f"{base}-hint"] if self.hint else []
        if self.field.errors:
            ids.append(f"{base}-error")
        return " ".join(ids)

    @property
    def input_attrs(self) -> dict:
        return _INPUT_ATTRS.get(self.question.kind, {"type": "text"})
