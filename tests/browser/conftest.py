"""Fixtures for the browser tests: one headless Chromium per session, a fresh context
per test, and a watch on everything the page does.

The page under test is the real server (`live_server` from tests/conftest.py), or the
server at $PLAYGROUND_URL when set (to point the suite at a running instance).
Without /usr/bin/chromium the tests skip locally and fail in CI (CI=true).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = {"width": 1400, "height": 1000}


def _need_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"{CHROMIUM} is not installed (Debian's chromium package)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests are mandatory in CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture()
def base_url(request) -> str:
    url = os.environ.get("PLAYGROUND_URL")
    if url:
        return url.rstrip("/")
    try:
        return str(request.getfixturevalue("live_server")).rstrip("/")
    except pytest.FixtureLookupError:
        pytest.fail("no `live_server` fixture (tests/conftest.py) and no $PLAYGROUND_URL")


@dataclass
class PageWatch:
    """What a page did that a clean session must not do."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    requests: int = 0

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("request", self._request)
        page.on("websocket", lambda ws: self._check_url(ws.url))

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} @ {msg.location}")

    def _failed(self, req) -> None:
        self.failed_requests.append(f"{req.method} {req.url}: {req.failure}")

    def _response(self, resp) -> None:
        if resp.status >= 400:
            self.bad_responses.append(f"{resp.status} {resp.url}")

    def _request(self, req) -> None:
        self.requests += 1
        self._check_url(req.url)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in LOCAL_HOSTS:
            self.foreign_requests.append(url)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "error responses": self.bad_responses,
            "requests leaving localhost": self.foreign_requests,
        }
        return {k: list(v) for k, v in found.items() if v}

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, f"the page misbehaved: {problems}"


@pytest.fixture()
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context, watch, base_url) -> Iterator:
    """A page on the playground; fails the test if the page logged an error, a request
    failed, or anything left localhost while the test ran."""
    p = context.new_page()
    p.set_default_timeout(15_000)
    watch.attach(p)
    yield p
    # Snapshot before the context closes: closing aborts the socket's requests.
    problems = watch.problems()
    assert not problems, f"the page misbehaved: {problems}"


class Playground:
    """One page of the playground, read through its read-only hook `window.playground`.

    Every wait is on the page's own state (frames painted, the server's `state`), with
    a timeout: no fixed sleeps standing in for synchronisation.
    """

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url

    def open(self, hash_: str = "") -> Playground:
        self.page.goto(f"{self.base_url}/" + (f"#{hash_}" if hash_ else ""))
        self.wait_frames(1)
        return self

    def hook(self, expr: str):
        return self.page.evaluate(f"() => window.playground.{expr}")

    @property
    def frames(self) -> int:
        return self.hook("framesPainted")

    @property
    def state(self) -> dict:
        return self.hook("lastState")

    @property
    def frame(self) -> dict:
        return self.hook("lastFrame")

    def wait_frames(self, n: int = 1, *, after: int = 0, timeout: float = 15_000) -> int:
        """Wait until more than `after` + n - 1 frames were painted."""
        self.page.wait_for_function(
            "n => window.playground && window.playground.framesPainted >= n",
            arg=after + n,
            timeout=timeout,
        )
        return self.frames

    def wait_state(self, predicate_js: str, timeout: float = 15_000) -> dict:
        """Wait until the last `state` satisfies the JS predicate `s => ...`."""
        self.page.wait_for_function(
            "() => { const s = window.playground && window.playground.lastState;"
            f" return !!s && ({predicate_js})(s); }}",
            timeout=timeout,
        )
        return self.state

    def wait_frame(self, predicate_js: str, timeout: float = 15_000) -> dict:
        """Wait until the last painted frame satisfies the JS predicate `f => ...`."""
        self.page.wait_for_function(
            "() => { const f = window.playground && window.playground.lastFrame;"
            f" return !!f && ({predicate_js})(f); }}",
            timeout=timeout,
        )
        return self.frame

    def epoch_rises(self, start: int, timeout: float = 15_000) -> int:
        """Wait for a painted frame with an epoch above `start`; return it."""
        return self.wait_frame(f"f => f.epoch > {int(start)}", timeout)["epoch"]

    def play(self) -> None:
        self.page.click("#play")
        self.wait_state("s => s.status === 'playing'")

    def pause(self) -> None:
        self.page.click("#play")
        self.wait_state("s => s.status === 'paused'")


@pytest.fixture()
def pg(page, base_url) -> Playground:
    return Playground(page, base_url)


@pytest.fixture()
def playground_at(context, watch):
    """playground_at(url) -> a Playground on a new, watched page of the same browser
    context, for tests that need a second page or their own server."""

    def _make(url: str) -> Playground:
        p = context.new_page()
        p.set_default_timeout(15_000)
        watch.attach(p)
        return Playground(p, url.rstrip("/"))

    return _make
