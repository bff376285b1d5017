"""Configuration comes from the environment; production refuses to start without a secret."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import env


def _import_base_settings(**overrides) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    environ.update(overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.base as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )


def test_production_settings_require_a_secret_key():
    """Without SECRET_KEY the production settings fail with a French message."""
    result = _import_base_settings()
    assert result.returncode != 0
    assert "La variable d'environnement SECRET_KEY est obligatoire" in result.stderr


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        (None, "django.db.backends.sqlite3"),
        ("postgres://bf@localhost/bonnefoi", "django.db.backends.postgresql"),
    ],
)
def test_database_comes_from_database_url(url, engine):
    """DATABASE_URL picks the database; SQLite under var/ is the embedded default."""
    extra = {"SECRET_KEY": "x" * 50}
    if url:
        extra["DATABASE_URL"] = url
    result = _import_base_settings(**extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine


def test_locale_and_time_zone_are_french():
    """The platform speaks French and counts time in Europe/Paris."""
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("OUI", True), ("0", False), ("non", False)]
)
def test_boolean_variables_accept_french_and_english(monkeypatch, raw, expected):
    """Boolean variables read true/false, yes/no, oui/non, 1/0."""
    monkeypatch.setenv("BONNEFOI_TEST_FLAG", raw)
    assert env.env_bool("BONNEFOI_TEST_FLAG", not expected) is expected


def test_malformed_boolean_is_refused(monkeypatch):
    """A value that is not a boolean stops the start-up with a clear message."""
    monkeypatch.setenv("BONNEFOI_TEST_FLAG", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="BONNEFOI_TEST_FLAG doit valoir true ou false"):
        env.env_bool("BONNEFOI_TEST_FLAG", False)
