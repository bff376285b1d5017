"""Whether the back-office menu shows the observatory: only to whom it opens a dashboard.

Reads the user's memberships, which are cached on the user for the request (no extra query on
back-office pages, which load them anyway).
"""

from django import template

from bonnefoi.observatory.abilities import OBSERVATORY_ROLES
from bonnefoi.structures.selectors import user_memberships

register = template.Library()


@register.simple_tag
def observatory_in_menu(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(m.role in OBSERVATORY_ROLES for m in user_memberships(user))
