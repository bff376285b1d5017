"""Zero-result searches are kept for a published period only."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from bonnefoi.advice.models import ZeroResultSearch

pytestmark = pytest.mark.django_db


def test_purge_removes_only_searches_past_the_retention_period(settings, capsys):
    """`purge_advice_search_log` deletes entries older than the retention period and keeps the
    others; `--dry-run` only counts."""
    settings.ADVICE_SEARCH_LOG_RETENTION_DAYS = 30
    old = ZeroResultSearch.objects.create(query="vieille recherche")
    recent = ZeroResultSearch.objects.create(query="recherche récente")
    ZeroResultSearch.objects.filter(pk=old.pk).update(
        searched_on=timezone.localdate() - dt.timedelta(days=31)
    )
    call_command("purge_advice_search_log", "--dry-run")
    assert ZeroResultSearch.objects.count() == 2
    assert "1 recherche(s)" in capsys.readouterr().out
    call_command("purge_advice_search_log")
    assert list(ZeroResultSearch.objects.all()) == [recent]
