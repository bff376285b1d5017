from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bonnefoi.core"
    label = "core"
    verbose_name = "Socle"
