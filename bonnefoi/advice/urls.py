from django.urls import path

from bonnefoi.advice.views import public

app_name = "advice"

urlpatterns = [
    path("", public.home, name="home"),
    path("erreur/<slug:slug>/", public.entry, name="entry"),
    path("<slug:audience_slug>/", public.audience, name="audience"),
    path("<slug:audience_slug>/<slug:slug>/", public.life_event, name="life_event"),
]
