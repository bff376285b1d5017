from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from bonnefoi.advice.api import (
    EntryDetailView,
    EntryListView,
    LifeEventListView,
    ProcedureListView,
)
from bonnefoi.cases.api import AgentCaseViewSet, WebhookEndpointViewSet
from bonnefoi.cases.api_public import CaseSubmitView
from bonnefoi.right_to_error.api import EvaluateView, RulesView
from bonnefoi.structures.api import AgentViewSet, StructureViewSet

# SimpleRouter: no browsable root and no ".json" suffix routes (the API speaks JSON only).
router = SimpleRouter()
router.register("structures", StructureViewSet, basename="structure")
router.register("agents", AgentViewSet, basename="agent")
router.register("agent/cases", AgentCaseViewSet, basename="agent-case")
router.register("agent/webhooks", WebhookEndpointViewSet, basename="agent-webhook")

urlpatterns = [
    path("", include(router.urls)),
    path("right-to-error/evaluate", EvaluateView.as_view(), name="right-to-error-evaluate"),
    path("right-to-error/rules", RulesView.as_view(), name="right-to-error-rules"),
    path("advice/entries/", EntryListView.as_view(), name="advice-entry-list"),
    path("advice/entries/<slug:slug>/", EntryDetailView.as_view(), name="advice-entry-detail"),
    path("advice/life-events/", LifeEventListView.as_view(), name="advice-life-event-list"),
    path("advice/procedures/", ProcedureListView.as_view(), name="advice-procedure-list"),
    path("cases/", CaseSubmitView.as_view(), name="cases-submit"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
]
