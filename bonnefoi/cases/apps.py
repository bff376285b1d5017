from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Correction channel: declarations of errors, their examination and decision letters."""

    name = "bonnefoi.cases"
    label = "cases"
    verbose_name = "Signalements d'erreurs et décisions"
