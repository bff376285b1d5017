"""Back office of the training app, under /espace-agent/formations/."""

from django.urls import path

from bonnefoi.training import views

app_name = "training"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("modules/nouveau/", views.module_new, name="module_new"),
    path("mes-formations/", views.my_training, name="my_training"),
    path("agents/", views.agent_list, name="agent_list"),
    path("agents/<int:pk>/", views.agent_record, name="agent"),
    path("attestations/<int:pk>/", views.evidence, name="evidence"),
    path("couverture/", views.coverage, name="coverage"),
    path("import/", views.import_form, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
]
