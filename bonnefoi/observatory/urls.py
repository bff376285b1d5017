"""Back-office routes of the observatory (/espace-agent/observatoire/)."""

from bonnefoi.observatory import urls_dashboard, urls_plans

app_name = "observatory"
urlpatterns = [*urls_dashboard.urlpatterns, *urls_plans.urlpatterns]
