from django import forms
from django.contrib.auth.forms import AuthenticationForm

from bonnefoi.core.forms import BaseForm


class LoginForm(BaseForm, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail professionnelle",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
        error_messages={
            "required": "Saisissez votre adresse e-mail professionnelle.",
            "invalid": "Saisissez une adresse e-mail valide, par exemple prenom.nom@caf.fr.",
        },
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Saisissez votre mot de passe."},
    )

    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie : "
        "les majuscules comptent dans le mot de passe.",
        "inactive": "Ce compte est désactivé. Contactez l'administrateur de votre structure.",
    }

    def clean_username(self) -> str:
        # Accounts are stored with a lower-case e-mail: accept any case at login.
        return self.cleaned_data["username"].strip().lower()
