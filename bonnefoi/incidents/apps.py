from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "bonnefoi.incidents"
    label = "incidents"
    verbose_name = "Signalements d'incivilités"
