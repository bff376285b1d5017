"""Project-wide test hardening (after les-emplois): undefined template variables fail."""

import inspect

import pytest


class UndefinedTemplateVariable(str):
    """``string_if_invalid`` that raises when one of *our* templates reads a missing variable.

    Templates shipped by third-party packages (django-dsfr, the admin) rely on missing variables
    rendering as empty strings: those keep Django's default behaviour.
    """

    def __mod__(self, name):
        if _rendering_own_template():
            raise AssertionError(f"Variable de gabarit non définie : {name!r}")
        return ""


def _rendering_own_template() -> bool:
    frame = inspect.currentframe()
    while frame is not None:
        node = frame.f_locals.get("self")
        origin = getattr(getattr(node, "origin", None), "name", None)
        if origin is None:
            template = getattr(frame.f_locals.get("context"), "template", None)
            origin = getattr(getattr(template, "origin", None), "name", None)
        if isinstance(origin, str):
            return "site-packages" not in origin
        frame = frame.f_back
    return True


@pytest.fixture(autouse=True)
def _fail_on_undefined_template_variables(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"]}}
    ]
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = UndefinedTemplateVariable("%s")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (public pages, throttles): the test database is
    rolled back between tests, the in-memory cache is not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _case_files_in_a_temporary_directory(settings, tmp_path_factory):
    """Documents and letters of correction cases go to a throw-away directory, never var/."""
    settings.CASE_FILES_ROOT = tmp_path_factory.mktemp("case_files")
