"""Public side of the correction channel, under /signaler/."""

from django.urls import path

from bonnefoi.cases.views import public

app_name = "cases"

urlpatterns = [
    path("suivi/<str:reference>/<str:secret>/", public.track, name="track"),
]
