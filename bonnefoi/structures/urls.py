from django.urls import path

from bonnefoi.structures.views import backoffice

app_name = "structures"

urlpatterns = [
    path("", backoffice.home, name="backoffice_home"),
    path("agents/", backoffice.agent_list, name="agent_list"),
    path("agents/<int:pk>/", backoffice.agent_detail, name="agent_detail"),
    path("mon-identification/", backoffice.my_identification, name="my_identification"),
]
