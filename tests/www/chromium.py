"""Debian's Chromium driven by Playwright, for the browser tests (never a downloaded one)."""

from collections.abc import Iterator

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def open_page(monkeypatch, timeout_ms: int = 10_000, **context_options) -> Iterator[Page]:
    """A French-speaking page; ``bypass_csp`` where axe-core is injected (the page's CSP
    rightly refuses it)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself stay synchronous and single-threaded.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="fr-FR", **context_options)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        yield page
        context.close()
        browser.close()
