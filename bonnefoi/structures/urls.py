from django.urls import path

from bonnefoi.structures.views import backoffice
from bonnefoi.structures.views import kit as kit_views

app_name = "structures"

urlpatterns = [
    path("", backoffice.home, name="backoffice_home"),
    path("agents/", backoffice.agent_list, name="agent_list"),
    path("agents/<int:pk>/", backoffice.agent_detail, name="agent_detail"),
    path("mon-identification/", backoffice.my_identification, name="my_identification"),
    path("mon-kit/", kit_views.kit, name="my_kit"),
    path("agents/<int:pk>/kit/", kit_views.kit, name="agent_kit"),
    path("agents/<int:pk>/kit/badge.pdf", kit_views.kit_badge, name="agent_badge"),
    path("anonymat/", kit_views.anonymity_register, name="anonymity_register"),
    path("anonymat/nouvelle/", kit_views.anonymity_grant, name="anonymity_grant"),
    path("anonymat/<int:pk>/lever/", kit_views.anonymity_end, name="anonymity_end"),
]
