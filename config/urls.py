from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("bonnefoi.core.urls")),
    path("", include("bonnefoi.accounts.urls")),
    path("droit-a-l-erreur/", include("bonnefoi.right_to_error.urls")),
    path("conseils/", include("bonnefoi.advice.urls")),
    path("signaler/", include("bonnefoi.cases.urls")),
    path("espace-agent/conseils/", include("bonnefoi.advice.backoffice_urls")),
    path("espace-agent/dossiers/", include("bonnefoi.cases.backoffice_urls")),
    path("espace-agent/accueil/", include("bonnefoi.reception.urls")),
    path("espace-agent/formations/", include("bonnefoi.training.urls")),
    path("espace-agent/incivilites/", include("bonnefoi.incidents.urls")),
    path("espace-agent/observatoire/", include("bonnefoi.observatory.urls")),
    path("transparence/", include("bonnefoi.observatory.urls_public")),
    path("espace-agent/", include("bonnefoi.structures.urls")),
    path("api/v1/", include("config.api_urls")),
    path("gestion/", admin.site.urls),
]

handler404 = "bonnefoi.core.views.page_not_found"
handler500 = "bonnefoi.core.views.server_error"
