"""Routes of the action plans, filing volumes, spike alerts and frequent-error pages."""

from django.urls import path

from bonnefoi.observatory.views import plans

urlpatterns = [
    path("plans/", plans.plans, name="plans"),
    path("plans/nouveau/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/actions/", plans.action_create, name="action_create"),
    path("actions/<int:pk>/", plans.action_update, name="action_update"),
    path("volumes/", plans.volumes, name="volumes"),
    path("alertes/", plans.alerts, name="alerts"),
    path("alertes/<int:pk>/prise-en-compte/", plans.alert_acknowledge, name="alert_acknowledge"),
    path("erreurs/<slug:slug>/", plans.entry, name="entry"),
]
