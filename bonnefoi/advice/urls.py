from django.urls import path

from bonnefoi.advice import feeds
from bonnefoi.advice.views import feedback as feedback_views
from bonnefoi.advice.views import public
from bonnefoi.advice.views import search as search_views
from bonnefoi.advice.views import widget as widget_views

app_name = "advice"

urlpatterns = [
    path("", public.home, name="home"),
    path("erreur/<slug:slug>/", public.entry, name="entry"),
    path("erreur/<slug:slug>/avis/", feedback_views.feedback, name="feedback"),
    path("widget/", widget_views.widget, name="widget"),
    path("integrer/", widget_views.embed_help, name="embed_help"),
    # Atom feeds: before the audience routes, which would take "flux" for an audience.
    path("flux/", feeds.all_entries, name="feed"),
    path("flux/public/<slug:audience_slug>/", feeds.by_audience, name="feed_audience"),
    path("flux/evenement/<slug:slug>/", feeds.by_life_event, name="feed_life_event"),
    path("flux/demarche/<slug:slug>/", feeds.by_procedure, name="feed_procedure"),
    path("flux/administration/<str:sp_code>/", feeds.by_owner, name="feed_owner"),
    path("recherche/", search_views.search, name="search"),  # before the audience routes
    path("<slug:audience_slug>/", public.audience, name="audience"),
    path("<slug:audience_slug>/<slug:slug>/", public.life_event, name="life_event"),
]
