"""The page through nginx (deploy/): a real Chromium, Debian's nginx started by the
test through deploy/stack.py, and two `playground serve` processes behind it.

What only a browser shows: it sends an Origin header, which the servers compare with
the Host that nginx passes on, and it loads the page's ES modules, which nginx serves
from disk and must label as JavaScript. A server that dies mid-lesson: the page
reconnects through nginx to the other one and streams again.
"""

from __future__ import annotations

import os
import signal

import pytest
from real_server import HAS_PROC, StackLauncher, healthz, need_nginx

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")]


@pytest.fixture()
def stack():
    need_nginx()
    launcher = StackLauncher("--servers", "2", "--port", "0")
    try:
        yield launcher
    finally:
        code = launcher.stop()
        assert code == 0, launcher.output


def test_the_page_streams_through_nginx_and_survives_a_dead_server(playground_at, stack, watch):
    pg = playground_at(stack.status["url"])
    sockets = []
    pg.page.on("websocket", lambda ws: sockets.append(ws.url))
    pg.open("hidden=3")
    pg.play()
    pg.epoch_rises(0)
    assert sockets and sockets[0].startswith(stack.status["url"].replace("http", "ws"))
    # the server that holds this page's session
    (holder,) = [s for s in stack.status["servers"] if healthz(s["url"])["sessions"] == 1]
    os.killpg(holder["pid"], signal.SIGKILL)
    pg.page.wait_for_selector('#connection[data-state="offline"]')  # "Server offline, retrying…"
    pg.page.wait_for_selector('#connection[data-state="connected"]', timeout=20_000)
    # a fresh session on the other server, set up again from the page's URL
    pg.wait_state("s => s.config.hidden.join() === '3' && s.status === 'playing'")
    pg.wait_frames(3, after=pg.frames)
    (other,) = [s for s in stack.status["servers"] if s is not holder]
    assert healthz(other["url"])["sessions"] == 1
    watch.assert_clean()
