"""The page reaches its server over WebSocket only (docs/PROTOCOL.md), and says so
plainly when it cannot open one: in a real Chromium against the real server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# A WebSocket that a proxy or firewall refuses: it fails as soon as it is opened.
BLOCKED_WEBSOCKET = """
window.webSocketsOpened = 0;
window.WebSocket = class {
  constructor() {
    window.webSocketsOpened += 1;
    setTimeout(() => {
      this.onerror?.(new Event("error"));
      this.onclose?.({ code: 1006, reason: "" });
    }, 10);
  }
  send() {}
  close() {}
};
"""


def test_the_page_streams_over_one_websocket_and_never_polls(pg, watch):
    sockets = []
    pg.page.on("websocket", lambda ws: sockets.append(ws.url))
    requests = []
    pg.page.on("request", lambda req: requests.append(req.url))
    pg.open()
    pg.play()
    pg.wait_frames(5, after=pg.frames)
    assert len(sockets) == 1 and "transport=websocket" in sockets[0]
    assert not [url for url in requests if "/socket.io/" in url]
    watch.assert_clean()


def test_a_browser_without_websockets_is_told_so(pg):
    pg.page.add_init_script("delete window.WebSocket;")
    pg.page.goto(f"{pg.base_url}/")
    pg.page.wait_for_selector('#connection[data-state="refused"]')
    assert "no WebSocket" in pg.page.locator("#connection").text_content()
    status = pg.page.locator("#status-line").text_content()
    assert "cannot open a WebSocket" in status and "current browser" in status


def test_a_blocked_websocket_is_reported_and_retried(pg):
    pg.page.add_init_script(BLOCKED_WEBSOCKET)
    pg.page.goto(f"{pg.base_url}/")
    # from the page it looks like a server that is down (issue 11: "Server offline,
    # retrying…"); the status line names both causes
    pg.page.wait_for_selector('#connection[data-state="offline"]')
    assert pg.page.locator("#connection").inner_text() == "Server offline, retrying…"
    status = pg.page.locator("#status-line").text_content()
    assert "Could not open a WebSocket" in status and "block WebSockets" in status
    # and the page keeps trying (Socket.IO's reconnection delays: up to 4 s)
    pg.page.wait_for_function("() => window.webSocketsOpened >= 3", timeout=20_000)
