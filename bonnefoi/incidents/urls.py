"""Back office of the incidents app, under /espace-agent/incivilites/."""

from django.urls import path

from bonnefoi.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("signaler/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/suivi/<slug:step>/", views.report_step, name="step"),
    path("statistiques/", views.statistics, name="statistics"),
    path("statistiques/export.csv", views.statistics_csv, name="statistics_csv"),
]
