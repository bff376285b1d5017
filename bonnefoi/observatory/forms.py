"""Filters of the observatory dashboard (GET), validated on the server.

A missing parameter takes its default; a wrong one is refused with a French message and the
page shows again what was typed.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from bonnefoi.advice.models import Entry, LifeEvent, Procedure
from bonnefoi.core.forms import BaseForm
from bonnefoi.observatory.models import Period
from bonnefoi.observatory.periods import MONTH

NATIONAL = "france"
MAX_YEARS = 5
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Values of the `granularity` parameter in the address (French, readable) → period kind.
GRANULARITIES = {"semaine": Period.WEEK, "mois": Period.MONTH, "trimestre": Period.QUARTER}
GRANULARITY_OF = {kind: word for word, kind in GRANULARITIES.items()}


def default_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 complete months before `today`'s month."""
    this_month = today.replace(day=1)
    first = this_month.replace(year=this_month.year - 1)
    return first, this_month - dt.timedelta(days=1)


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Titled(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


def _optional(label: str, queryset, empty: str, refused: str) -> _Titled:
    return _Titled(
        label=label,
        queryset=queryset,
        required=False,
        empty_label=empty,
        error_messages={"invalid_choice": refused},
    )


class DashboardFilterForm(BaseForm):
    scope = forms.ChoiceField(
        label="Périmètre",
        error_messages={
            "required": "Choisissez un périmètre.",
            "invalid_choice": "Choisissez un périmètre de la liste.",
        },
    )
    granularity = forms.ChoiceField(
        label="Découpage",
        choices=[("semaine", "Par semaine"), ("mois", "Par mois"), ("trimestre", "Par trimestre")],
        error_messages={"invalid_choice": "Choisissez un découpage : semaine, mois ou trimestre."},
    )
    date_from = forms.DateField(
        label="Du",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date de début.",
            "invalid": "Écrivez une date de début valide, par exemple 01/01/2026.",
        },
    )
    date_to = forms.DateField(
        label="Au",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date de fin.",
            "invalid": "Écrivez une date de fin valide, par exemple 31/12/2026.",
        },
    )
    procedure = _optional(
        "Démarche",
        Procedure.objects.order_by("title"),
        "Toutes les démarches",
        "Choisissez une démarche de la liste.",
    )
    life_event = _optional(
        "Événement de vie",
        LifeEvent.objects.order_by("position", "title"),
        "Tous les événements de vie",
        "Choisissez un événement de vie de la liste.",
    )
    entry = _optional(
        "Erreur fréquente",
        Entry.objects.only("pk", "title").order_by("title"),
        "Toutes les erreurs",
        "Choisissez une erreur fréquente de la liste.",
    )

    def __init__(self, query, *, scopes, default_scope: str, today: dt.date | None = None):
        """`scopes`: [(value, label)] the user may choose ("france" or a structure id)."""
        first, last = default_dates(today or timezone.localdate())
        defaults = {
            "scope": default_scope,
            "granularity": GRANULARITY_OF[MONTH],
            "date_from": first.isoformat(),
            "date_to": last.isoformat(),
        }
        data = {name: query.get(name, "") for name in self.base_fields}
        for name, default in defaults.items():
            if not data[name]:
                data[name] = default
        super().__init__(data)
        self.fields["scope"].choices = scopes

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", "La date de fin doit être après la date de début.")
            elif last >= years_later(first, MAX_YEARS):
                self.add_error(
                    "date_to",
                    f"Choisissez une période de {MAX_YEARS} ans au plus : "
                    "les tableaux deviendraient illisibles au-delà.",
                )
        return data

    @property
    def period(self) -> str:
        return GRANULARITIES[self.cleaned_data["granularity"]]
