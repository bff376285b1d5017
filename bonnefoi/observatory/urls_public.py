"""Public transparency pages (/transparence/)."""

from django.urls import path

from bonnefoi.observatory.views import public

app_name = "transparency"
urlpatterns = [
    path("", public.national, name="national"),
    path("<int:pk>/", public.structure, name="structure"),
    path("donnees/<str:name>", public.open_data, name="open_data"),
]
