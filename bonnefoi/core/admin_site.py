"""The technical back office (/gestion/): superusers only.

Model admins there are not filtered by structure subtree, so a staff flag alone must not open them:
least privilege is kept by the role-based back office (/espace-agent/) and the API.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class BonneFoiAdminSite(admin.AdminSite):
    site_header = "Bonne foi — gestion technique"
    site_title = "Bonne foi — gestion"
    index_title = "Gestion technique (super-administrateurs)"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


class BonneFoiAdminConfig(AdminConfig):
    default_site = "bonnefoi.core.admin_site.BonneFoiAdminSite"
