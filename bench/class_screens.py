"""Screenshots of class mode (docs/CLASS.md): the teacher's page with a full class.

    python -m bench.class_screens                # writes docs/screenshots/class_*.png
    python -m bench.class_screens --students 20  # a bigger class

Starts ``playground serve`` (no per-address limit: every student here is this machine,
as a class behind one NAT address is), opens the teacher's page in headless Chromium,
starts a class from the header's Class control, and lets STUDENTS python clients
(app/client.py) join it by its code. Each student takes the pushed set-up, presses Play
when a push arrives, and returns frame credit after every frame, as a page does (auto
speed waits for it). One more student is a real page, joined by the link, for the
banner. Then the lesson of docs/CLASS.md: 2-2-1 ReLU on the four XOR points, each their
own seed; then 2-5-1. Each screen is taken once every student is past EPOCHS epochs.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from pathlib import Path

from app.client import OrderedClient
from bench._server import running_server
from bench.browser import CHROMIUM, SHOTS, chromium, to_hash

STUDENTS = 12
EPOCHS = 1500  # ReLU 2-2-1 has settled by then: stuck or solved (engine sweep, 200 seeds)
SIZES = [(1920, 1080), (1280, 720), (390, 844)]
LESSON = {"dataset": "xor4", "activation": "relu", "hidden": [2]}


class Student:
    """One student's session: joins the class, plays on every push, returns credit."""

    def __init__(self, base: str, code: str):
        self.sio = OrderedClient(reconnection=False)
        self.epoch = -1
        self.config: dict | None = None  # the last pushed set-up
        self.closing = False
        self.in_flight = False  # a `ready` went out and its frame has not come back
        self.lock = threading.Lock()
        self.landed = threading.Condition(self.lock)
        self.sio.on("frame", self._on_frame)
        self.sio.on("class_state", self._on_class_state)
        self.sio.on("error", lambda err: print("student error:", err, file=sys.stderr))
        self.sio.connect(base, transports=["websocket"], wait_timeout=10)
        self.sio.emit("class", {"action": "join", "code": code})
        self.in_flight = True
        self.sio.emit("ready")

    def _on_class_state(self, state: dict) -> None:
        # A push arrived (a lock resends the same set-up): the run is at epoch 0, paused.
        # Frames after this message are the new run's (one connection keeps its order).
        config = state.get("config")
        with self.lock:
            if not config or config == self.config:
                return
            self.config = config
            self.epoch = -1
        self.sio.emit("control", {"action": "play"})

    def _on_frame(self, frame: dict) -> None:
        with self.lock:
            self.epoch = frame["epoch"]
            self.in_flight = False
            self.landed.notify_all()
            if self.closing:
                return
            self.in_flight = True
        self.sio.emit("ready")

    def past(self, hidden: list[int], epochs: int) -> bool:
        """Whether this student trains the push with these hidden layers, past `epochs`."""
        with self.lock:
            return bool(self.config) and self.config["hidden"] == hidden and self.epoch >= epochs

    def close(self) -> None:
        """Stop the credit loop and let the last frame land before disconnecting (cut
        mid-frame, python-socketio trips over the rest of its attachments)."""
        with self.lock:
            self.closing = True
            self.landed.wait_for(lambda: not self.in_flight, timeout=1.0)
        with contextlib.suppress(Exception):
            self.sio.disconnect()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)


def _push_and_train(teacher, students: list[Student], page, hidden: list[int]) -> None:
    """The teacher's page takes the set-up and pushes it, each their own seed; the
    student's page plays it too; wait until every python student is past EPOCHS and the
    teacher's page has heard so."""
    config = {**LESSON, "hidden": hidden}
    teacher.evaluate("h => { location.hash = h; }", to_hash(config))
    teacher.wait_for_function(
        "n => window.playground.lastState?.config.hidden.join() === n",
        arg=",".join(map(str, hidden)),
    )
    teacher.select_option("#class-seeds", "each")
    teacher.click("#class-push")
    page.wait_for_function(
        "n => { const s = window.playground.lastState; return s.epoch === 0"
        " && s.status === 'paused' && s.config.hidden.join() === n; }",
        arg=",".join(map(str, hidden)),
    )
    page.click("#play")
    _wait(
        lambda: all(s.past(hidden, EPOCHS) for s in students),
        300,
        f"every student past {EPOCHS} epochs of {hidden}",
    )
    # The teacher's list names every student at its epoch: wait until all are past it.
    teacher.wait_for_function(
        """([n, e]) => { const o = [...document.querySelectorAll('#class-student option')];
            const at = (x) => Number(x.textContent.match(/epoch (\\d+)/)[1]);
            return o.filter(x => at(x) >= e).length >= n; }""",
        arg=[len(students), EPOCHS],
        timeout=60_000,
    )


def _shoot(teacher, out: Path, name: str) -> None:
    for width, height in SIZES:
        teacher.set_viewport_size({"width": width, "height": height})
        # The charts take their box's size at the next class_state (twice a second).
        teacher.wait_for_function(
            "() => { const c = document.getElementById('class-curves');"
            " return c._fullLayout && c._fullLayout.width === c.clientWidth; }"
        )
        teacher.evaluate("() => window.scrollTo(0, 0)")
        path = out / f"{name}_{width}x{height}.png"
        teacher.screenshot(path=str(path))
        wide = teacher.evaluate("() => document.documentElement.scrollWidth")
        print(f"wrote {path} (page {wide} px wide)")


def _show_stuck(teacher) -> str:
    teacher.select_option("#class-student", index=0)  # the list puts the stuck first
    teacher.click("#class-show")
    teacher.wait_for_function(
        "() => /\\(seed \\d+\\)\\.$/"
        ".test(document.getElementById('class-view-caption').textContent)"
    )
    return teacher.locator("#class-view-caption").text_content()


def screenshots(base: str, out: Path, n: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        teacher = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
        teacher.set_default_timeout(90_000)  # a loaded machine: 13 sessions train beside it
        teacher.goto(f"{base}/#{to_hash(LESSON)}")
        teacher.wait_for_function("() => window.playground && window.playground.synced")
        teacher.click("#class-button")
        teacher.get_by_role("button", name="Start a class").click()
        teacher.wait_for_function("() => window.playground.classRole === 'teacher'")
        code = teacher.locator("#class-code").text_content()
        print(f"class {code}, {n} students")
        students = [Student(base, code) for _ in range(n)]
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        try:
            page.goto(f"{base}/#class={code}")
            page.wait_for_function(f"() => window.playground.classCode === '{code}'")
            _push_and_train(teacher, students, page, [2])
            print("stuck view:", _show_stuck(teacher))
            print("counts:", teacher.locator("#class-counts").text_content())
            _shoot(teacher, out, "class_relu_2-2-1")
            teacher.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            teacher.click("#class-lock")
            page.wait_for_function("() => document.getElementById('settings-top').disabled")
            _push_and_train(teacher, students, page, [5])
            print("counts:", teacher.locator("#class-counts").text_content())
            _shoot(teacher, out, "class_relu_2-5-1")
            for width, height in SIZES[1:]:
                page.set_viewport_size({"width": width, "height": height})
                page.evaluate("() => window.scrollTo(0, 0)")
                path = out / f"class_student_locked_{width}x{height}.png"
                page.screenshot(path=str(path))
                print(f"wrote {path}")
        finally:
            for s in students:
                s.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS, help="python students")
    parser.add_argument("--out", type=Path, default=SHOTS)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"skipped: {CHROMIUM} is not installed")
        return
    with running_server("--max-per-address", "0") as (base, _pid):
        screenshots(base, args.out, args.students)


if __name__ == "__main__":
    main()
