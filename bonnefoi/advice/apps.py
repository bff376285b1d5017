from django.apps import AppConfig


class AdviceConfig(AppConfig):
    """Catalogue of frequent errors and the advice against them."""

    name = "bonnefoi.advice"
    label = "advice"
    verbose_name = "Conseils contre les erreurs fréquentes"

    def ready(self):
        from bonnefoi.advice import signals

        signals.connect()
