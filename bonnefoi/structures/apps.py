from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "bonnefoi.structures"
    label = "structures"
    verbose_name = "Structures et agents"
