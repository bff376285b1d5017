"""The observatory's public transparency pages in Chromium: axe-clean and CSP-clean."""

import pytest

from tests.observatory.publication_factories import World, action, rebuild_and_publish

pytestmark = pytest.mark.django_db(transaction=True)


def test_transparency_pages_are_accessible(checked_page):
    """The national page and a structure page, with shown and secret figures, the ranking
    and a completed action, pass axe-core and break no CSP rule."""
    world = World()
    action(world.site_one, summary="Une case dédiée au déménagement.", entries=[world.entry])
    rebuild_and_publish()
    pages = {
        "transparency-national": "/transparence/",
        "transparency-site": f"/transparence/{world.site_two.pk}/",
        "transparency-structure": f"/transparence/{world.admin.pk}/",
    }
    for name, url in pages.items():
        checked_page.goto(url)
        checked_page.assert_clean(name)
    text = checked_page.page.locator("main").inner_text()
    assert "secret statistique" in text
    assert "Une case dédiée au déménagement." in text
