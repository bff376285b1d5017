from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from bonnefoi.structures.api import AgentViewSet, StructureViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("structures", StructureViewSet, basename="structure")
router.register("agents", AgentViewSet, basename="agent")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
]
