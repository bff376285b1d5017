"""Back office of the advice catalogue, under /espace-agent/conseils/."""

from django.urls import path

from bonnefoi.advice.views import backoffice

app_name = "advice_backoffice"

urlpatterns = [
    path("", backoffice.entry_list, name="list"),
    path("a-relire/", backoffice.review_queue, name="review_queue"),
    path("nouveau/", backoffice.entry_new, name="new"),
    path("<int:pk>/", backoffice.entry_edit, name="edit"),
    path("<int:pk>/apercu/", backoffice.entry_preview, name="preview"),
    path("<int:pk>/soumettre/", backoffice.entry_submit, name="submit"),
    path("<int:pk>/publier/", backoffice.entry_publish, name="publish"),
    path("<int:pk>/archiver/", backoffice.entry_archive_view, name="archive"),
    path("<int:pk>/differences/", backoffice.entry_diff, name="diff"),
]
