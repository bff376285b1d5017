"""Base form of every project form: DSFR markup, optional fields marked "(facultatif)"."""

from django import forms
from dsfr.forms import DsfrBaseForm


class BaseForm(DsfrBaseForm):
    def get_context(self) -> dict:
        # django-dsfr's get_context warns on every render while it moves from marking required
        # fields to marking optional ones; we take the new DSFR rule directly.
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context
