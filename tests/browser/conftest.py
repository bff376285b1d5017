"""Browser harness: Debian's Chromium driven by playwright, axe-core checks, CSP watch, screenshots.

Never downloads a browser: the executable comes from CHROMIUM_PATH or the `chromium` on PATH.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# The playwright event loop runs in the test thread; Django's ORM calls in fixtures are safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  const element = ((event.target && event.target.outerHTML) || '').slice(0, 300);
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${where} ${event.sample} ${element}`
  );
});
"""


def pytest_collection_modifyitems(items):
    browser_dir = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(browser_dir):
            item.add_marker(pytest.mark.browser)


def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium introuvable : installez le paquet Debian « chromium ».")
    return path


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class PageChecker:
    """A page plus what must stay empty: console CSP errors, CSP violation events, axe violations."""

    def __init__(self, page, live_server_url: str):
        self.page = page
        self.base_url = live_server_url
        self.console_errors: list[str] = []
        page.on("console", self._on_console)
        page.add_init_script(CSP_LISTENER)

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def goto(self, path: str):
        self.console_errors.clear()
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("load")
        return response

    def csp_violations(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        console = [m for m in self.console_errors if "Content Security Policy" in m]
        return events + console

    def axe_violations(self):
        return Axe().run(self.page, options=AXE_OPTIONS)

    def screenshot(self, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / (re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") + ".png")
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self, name: str) -> None:
        """Screenshot the page, then require zero axe violations and zero CSP violations."""
        self.screenshot(name)
        results = self.axe_violations()
        assert results.violations_count == 0, results.generate_report()
        assert self.csp_violations() == []


@pytest.fixture
def checked_page(chromium, live_server):
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield PageChecker(page, live_server.url)
    context.close()
