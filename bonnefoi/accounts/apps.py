from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bonnefoi.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"
