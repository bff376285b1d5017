from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from bonnefoi.structures.api import AgentViewSet, StructureViewSet

# SimpleRouter: no browsable root and no ".json" suffix routes (the API speaks JSON only).
router = SimpleRouter()
router.register("structures", StructureViewSet, basename="structure")
router.register("agents", AgentViewSet, basename="agent")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
]
