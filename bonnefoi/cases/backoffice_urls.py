"""Agents' side of the correction channel, under /espace-agent/dossiers/."""

from django.urls import path

from bonnefoi.cases.views import (
    backoffice,
    backoffice_actions,
    backoffice_decision,
    backoffice_letter,
)

app_name = "cases_backoffice"

urlpatterns = [
    path("", backoffice.queue, name="queue"),
    path("<str:reference>/", backoffice.case_detail, name="case"),
    path(
        "<str:reference>/pieces/<int:pk>/",
        backoffice.attachment_download,
        name="attachment",
    ),
    path("<str:reference>/prendre/", backoffice_actions.take, name="take"),
    path("<str:reference>/message/", backoffice_actions.message, name="message"),
    path("<str:reference>/invitation/", backoffice_actions.invite, name="invite"),
    path("<str:reference>/note/", backoffice_actions.note, name="note"),
    path("<str:reference>/erreur-frequente/", backoffice_actions.tag, name="tag"),
    path("<str:reference>/transmettre/", backoffice_actions.redirect_case, name="redirect"),
    path("<str:reference>/clore/", backoffice_actions.close, name="close"),
    path("<str:reference>/decision/", backoffice_decision.decide, name="decide"),
    path("<str:reference>/courrier/", backoffice_letter.letter, name="letter"),
    path("<str:reference>/courrier/pdf/", backoffice_letter.letter_pdf, name="letter_pdf"),
    path(
        "<str:reference>/courrier/relancer/",
        backoffice_letter.letter_retry,
        name="letter_retry",
    ),
]
