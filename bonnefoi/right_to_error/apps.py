from django.apps import AppConfig


class RightToErrorConfig(AppConfig):
    """Django face of the engine in bonnefoi.rules: public checker, rules pages, API, CLI."""

    name = "bonnefoi.right_to_error"
    label = "right_to_error"
    verbose_name = "Droit à l'erreur"
