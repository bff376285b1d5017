from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator

from bonnefoi.accounts.forms import LoginForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": "Connexion à l'espace agent"}


class LogoutView(auth_views.LogoutView):
    """GET shows a confirmation page; only the POST (with its CSRF token) signs the agent out.

    The header links here instead of holding a logout form: DSFR copies the header tools into the
    mobile menu with innerHTML, and a copied form would carry a second, different CSRF token.
    """

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/logout.html", {"title": "Se déconnecter"})
