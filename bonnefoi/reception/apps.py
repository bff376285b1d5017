from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "bonnefoi.reception"
    label = "reception"
    verbose_name = "Accueil respectueux : locaux et audits"
