"""Public side of the correction channel, under /signaler/ (no account: the draft's secret and
the tracking secret open what belongs to the person)."""

from django.urls import path

from bonnefoi.cases.views import public, tracking

app_name = "cases"

urlpatterns = [
    path("", public.start, name="start"),
    path("etape/<slug:step>/", public.step, name="step"),
    path("reprendre/<str:secret>/", public.resume, name="resume"),
    path("lien-perdu/", public.lost_link, name="lost_link"),
    path("envoyee/<str:reference>/<str:secret>/", tracking.submitted, name="submitted"),
    # E-mails link here: keep the name and the arguments.
    path("suivi/<str:reference>/<str:secret>/", tracking.track, name="track"),
    path(
        "suivi/<str:reference>/<str:secret>/pieces/<int:pk>/",
        tracking.document,
        name="document",
    ),
    path("suivi/<str:reference>/<str:secret>/courrier/", tracking.letter, name="letter"),
    path(
        "suivi/<str:reference>/<str:secret>/courrier.pdf",
        tracking.letter_pdf,
        name="letter_pdf",
    ),
]
