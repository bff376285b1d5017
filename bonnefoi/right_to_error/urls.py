from django.urls import path

from bonnefoi.right_to_error.views import public

app_name = "right_to_error"

urlpatterns = [
    path("verifier", public.checker_question, name="checker"),
    path("verifier/resultat", public.checker_result, name="checker_result"),
    path("regles", public.rules, name="rules"),
]
