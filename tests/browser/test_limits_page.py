"""What the page shows when the server closes its session for silence (issue 16)."""

from __future__ import annotations

import os

import pytest


def test_a_session_closed_for_silence_says_so_and_comes_back_on_a_key(playground_at, watch):
    if os.environ.get("PLAYGROUND_URL"):
        pytest.skip("needs its own in-process server with a short idle timeout")
    from app.live import LiveServer

    with LiveServer({"IDLE_TIMEOUT": 2}) as server:
        pg = playground_at(server.url).open()  # paused: it sends nothing after its first frame
        pg.page.wait_for_selector('#connection[data-state="refused"]', timeout=20_000)
        assert pg.page.locator("#connection").text_content().strip() == "closed: idle"
        status = pg.page.locator("#status-line").text_content()
        assert "closed after" in status and "press any key" in status
        assert len(server.sessions) == 0
        pg.page.keyboard.press("Shift")
        pg.page.wait_for_selector('#connection[data-state="connected"]', timeout=20_000)
        assert pg.page.locator("#status-line").text_content() == ""
        assert len(server.sessions) == 1
        watch.assert_clean()
        pg.page.close()
