from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "bonnefoi.observatory"
    label = "observatory"
    verbose_name = "Observatoire des erreurs"
