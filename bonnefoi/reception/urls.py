"""Back office of the premises audits, under /espace-agent/accueil/."""

from django.urls import path

from bonnefoi.reception import views, views_report

app_name = "reception"

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/audits/nouveau/", views.audit_new, name="audit_new"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/actions/", views.action_new, name="action_new"),
    path("actions/<int:pk>/", views.action_update, name="action_update"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("grilles/<int:number>/", views.checklist_detail, name="checklist_detail"),
    # Yearly reception report of a site (page and tagged PDF).
    path("sites/<int:pk>/rapport/<int:year>/", views_report.site_report, name="site_report"),
    path(
        "sites/<int:pk>/rapport/<int:year>.pdf",
        views_report.site_report_pdf,
        name="site_report_pdf",
    ),
]
