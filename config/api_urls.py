from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from bonnefoi.right_to_error.api import EvaluateView, RulesView
from bonnefoi.structures.api import AgentViewSet, StructureViewSet

# SimpleRouter: no browsable root and no ".json" suffix routes (the API speaks JSON only).
router = SimpleRouter()
router.register("structures", StructureViewSet, basename="structure")
router.register("agents", AgentViewSet, basename="agent")

urlpatterns = [
    path("", include(router.urls)),
    path("right-to-error/evaluate", EvaluateView.as_view(), name="right-to-error-evaluate"),
    path("right-to-error/rules", RulesView.as_view(), name="right-to-error-rules"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
]
