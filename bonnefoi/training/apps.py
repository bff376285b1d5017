from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "bonnefoi.training"
    label = "training"
    verbose_name = "Formation des agents"
