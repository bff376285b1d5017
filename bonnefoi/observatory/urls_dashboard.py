"""Dashboard routes of the observatory: the page and its CSV export."""

from django.urls import path

from bonnefoi.observatory.views import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("export.csv", dashboard.dashboard_csv, name="dashboard_csv"),
]
