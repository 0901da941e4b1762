"""The page in a real Chromium against the real server: issue 5's acceptance points.

Each test waits on the page's own read-only hook (`window.playground`: frames painted,
the last frame and `state`) with timeouts, never on fixed sleeps. The `page` fixture
fails any test whose page logged an error, lost a request or asked a host other than
localhost.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def schema_of(pg) -> dict:
    fields = json.loads(pg.page.locator("#schema").text_content())
    return {f["name"]: f for f in fields}


# ---- 1. play: the epoch rises, the surface changes, the loss chart grows ---------------


def test_play_trains_and_the_page_follows(pg):
    pg.open()
    assert pg.frame["epoch"] == 0
    assert pg.page.locator("#epoch").text_content() == "000,000"
    surface = pg.page.locator("#surface")
    before_shot = surface.screenshot()
    before_digest = pg.frame["digest"]
    points_before = pg.hook("lossPoints")

    pg.play()
    first = pg.epoch_rises(0)
    # Two screenshots of the surface a second apart, with frames painted in between.
    shot_a = surface.screenshot()
    frames_a = pg.frames
    t_a = pg.page.evaluate("performance.now()")
    pg.page.wait_for_function(
        f"() => performance.now() >= {t_a} + 1000 && window.playground.framesPainted > {frames_a}",
    )
    shot_b = surface.screenshot()
    assert shot_a != shot_b, "the surface did not change in a second of training"
    assert before_shot != shot_b
    assert pg.frame["digest"] != before_digest

    # The epoch keeps rising across two later observations: frames have not stopped.
    second = pg.epoch_rises(first)
    pg.epoch_rises(second)
    assert int(pg.page.locator("#epoch").get_attribute("data-epoch")) > first
    pg.page.wait_for_function(f"() => window.playground.lossPoints > {points_before}")


# ---- 2. the layer slider reshapes the network live ------------------------------------


def drag_slider(page, selector: str, value: int) -> None:
    """Drag a range input's thumb to `value` with the mouse, like a person would."""
    slider = page.locator(selector)
    lo = float(slider.get_attribute("min"))
    hi = float(slider.get_attribute("max"))
    now = float(slider.input_value())
    box = slider.bounding_box()
    thumb = 16  # Chromium's default thumb width: its centre travels width - thumb

    def x_of(v: float) -> float:
        return box["x"] + thumb / 2 + (v - lo) / (hi - lo) * (box["width"] - thumb)

    y = box["y"] + box["height"] / 2
    page.mouse.move(x_of(now), y)
    page.mouse.down()
    page.mouse.move(x_of(value), y, steps=8)
    page.mouse.up()


def test_dragging_the_layer_slider_reshapes_the_network(pg):
    pg.open("hidden=2&speed=100")
    assert pg.page.locator("#layer-1-size").input_value() == "2"
    assert pg.page.locator('.node.hidden[title$="of layer 1"]').count() == 2
    pg.play()
    pg.epoch_rises(60)
    # Paused, so that the rebuild's frame must show epoch 0 exactly: while playing, how
    # far the new run gets before its first frame depends on the machine's load.
    pg.pause()
    rebuilds = pg.hook("rebuildFrame")["seq"]

    drag_slider(pg.page, "#layer-1-size", 5)
    assert pg.page.locator("#layer-1-size").input_value() == "5"
    pg.wait_state("s => s.config.hidden[0] === 5")
    frame = pg.wait_frame("f => f.sizes[1] === 5")
    assert pg.page.locator('.node.hidden[title$="of layer 1"]').count() == 5
    rebuild = pg.hook("rebuildFrame")
    assert rebuild["seq"] > rebuilds
    assert rebuild["epoch"] == 0, "the epoch did not start again after the rebuild"
    # Frames keep coming on the new network.
    pg.play()
    pg.epoch_rises(frame["epoch"])
    pg.wait_frames(3, after=pg.frames)


# ---- 3. presets and seed scenarios; the URL reproduces a run ---------------------------


def test_every_preset_and_scenario_loads_and_trains(pg):
    pg.open()
    presets = json.loads(pg.page.locator("#presets").text_content())
    names = [p["name"] for p in presets]
    assert len(presets) >= 3, f"expected the 2-2-1, 4-2-1 and 2-5-1 presets at least: {names}"
    for preset in presets:
        rebuilds = pg.hook("rebuildFrame")["seq"]
        pg.page.click(f'[data-preset="{preset["name"]}"]')
        wanted = json.dumps(preset["config"])
        pg.wait_state(
            f"s => s.status === 'playing' && Object.entries({wanted}).every(([k, v]) =>"
            " JSON.stringify(s.config[k]) === JSON.stringify(v))",
        )
        pg.page.wait_for_function(
            f"() => window.playground.rebuildFrame.seq > {rebuilds}",
        )
        rebuilt = pg.hook("rebuildFrame")
        frame = pg.wait_frame(f"f => f.seq > {rebuilt['seq']} && f.epoch > {rebuilt['epoch']}")
        assert frame["status"] in ("playing", "diverged"), preset["name"]
        if preset.get("watch"):
            assert preset["watch"] in pg.page.locator("#watch").text_content()


def test_a_copied_link_reproduces_settings_and_first_frame(pg, playground_at):
    pg.open("hidden=3")
    pg.page.select_option("#ctl-activation", "relu")
    pg.wait_state("s => s.config.activation === 'relu'")
    pg.page.select_option("#ctl-optimizer", "adam")
    state = pg.wait_state("s => s.config.optimizer === 'adam'")
    pg.page.wait_for_function(
        "q => location.hash.replace(/^#/, '') === q",
        arg=state["query"],
    )
    assert "activation=relu" in urlsplit(pg.page.url).fragment
    # The paused session's frame after the rebuild is its epoch-0 frame.
    frame = pg.wait_frame("f => f.epoch === 0 && f.sizes[1] === 3")
    rebuild = pg.hook("rebuildFrame")
    assert rebuild["epoch"] == 0

    other = playground_at(pg.base_url)
    other.page.goto(pg.page.url)
    other.wait_frames(1)
    assert other.state["config"] == state["config"]
    assert other.hook("firstFrame")["digest"] == rebuild["digest"]
    assert other.hook("firstFrame")["sizes"] == frame["sizes"]

    # Reset reproduces the same start too.
    pg.play()
    pg.epoch_rises(20)
    pg.pause()
    seq = pg.hook("rebuildFrame")["seq"]
    pg.page.click("#reset")
    pg.page.wait_for_function(f"() => window.playground.rebuildFrame.seq > {seq}")
    assert pg.hook("rebuildFrame")["digest"] == rebuild["digest"]
    other.page.close()


# ---- 4. the controls change what the server runs ---------------------------------------


def test_controls_change_the_servers_state(pg):
    pg.open()
    schema = schema_of(pg)
    config = pg.state["config"]
    activation = next(c for c in schema["activation"]["choices"] if c != config["activation"])
    pg.page.select_option("#ctl-activation", activation)
    pg.wait_state(f"s => s.config.activation === '{activation}'")

    optimizer = next(c for c in schema["optimizer"]["choices"] if c != config["optimizer"])
    pg.page.select_option("#ctl-optimizer", optimizer)
    pg.wait_state(f"s => s.config.optimizer === '{optimizer}'")

    options = pg.page.locator("#ctl-lr option").evaluate_all("os => os.map(o => o.value)")
    lr = next(v for v in options if float(v) != pg.state["config"]["lr"])
    pg.page.select_option("#ctl-lr", lr)
    state = pg.wait_state(f"s => s.config.lr === {float(lr)}")
    assert state["config"]["activation"] == activation
    assert state["config"]["optimizer"] == optimizer
    pg.page.wait_for_function("q => location.hash.replace(/^#/, '') === q", arg=state["query"])


def test_a_refused_value_is_shown_beside_its_control(pg):
    pg.open()
    schema = schema_of(pg)
    field = next(f for f in ("momentum", "beta1", "alpha", "eps") if f in schema)
    optimizer = {"momentum": "sgd", "beta1": "adam", "alpha": "rmsprop", "eps": "adam"}[field]
    pg.page.select_option("#ctl-optimizer", optimizer)
    pg.wait_state(f"s => s.config.optimizer === '{optimizer}'")
    pg.page.click(".gear >> nth=0")
    box = pg.page.locator(f"#ctl-{field}")
    box.fill(str(schema[field]["max"] * 10 + 10))
    box.press("Enter")
    error = pg.page.locator(f'.field-error[data-error-for="{field}"]')
    error.wait_for(state="visible")
    assert field in error.text_content() or error.text_content()
    # The control shows the session's value again, and training still works.
    assert float(box.input_value()) == pg.state["config"][field]
    pg.play()
    pg.epoch_rises(0)


# ---- keyboard, labels, weight editing --------------------------------------------------


def test_space_toggles_play_and_every_control_is_labelled(pg):
    pg.open()
    pg.page.locator(".footer").click()
    pg.page.keyboard.press("Space")
    pg.wait_state("s => s.status === 'playing'")
    pg.page.keyboard.press("Space")
    pg.wait_state("s => s.status === 'paused'")
    unlabelled = pg.page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, [tabindex="0"]')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.getAttribute('aria-labelledby') && !e.textContent.trim())
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


def test_a_weight_is_edited_from_the_keyboard(pg):
    pg.open("hidden=2")
    link = pg.page.locator(".link-hit").first
    link.focus()
    tooltip = pg.page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert "Weight" in tooltip.text_content()
    link.press("Enter")
    editor = pg.page.locator("#weight-editor")
    editor.wait_for(state="visible")
    pg.page.fill("#weight-value", "2.5")
    pg.page.press("#weight-value", "Enter")
    editor.wait_for(state="hidden")
    pg.page.wait_for_selector('.link-hit[data-value="2.5"]', state="attached")


def link_point(page, index: int, t: float = 0.5) -> dict:
    """Viewport coordinates of the point a fraction t along link `index`."""
    return page.evaluate(
        """([i, t]) => {
            const p = document.querySelectorAll('.link-hit')[i];
            const pt = p.getPointAtLength(p.getTotalLength() * t);
            const m = p.getScreenCTM();
            return {x: m.a * pt.x + m.c * pt.y + m.e, y: m.b * pt.x + m.d * pt.y + m.f};
        }""",
        [index, t],
    )


def test_a_weight_is_edited_with_the_mouse(pg):
    pg.open("hidden=2")
    point = link_point(pg.page, 0)
    pg.page.mouse.move(point["x"], point["y"])
    tooltip = pg.page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert "X₁" in tooltip.text_content()
    pg.page.mouse.click(point["x"], point["y"])
    pg.page.locator("#weight-editor").wait_for(state="visible")
    pg.page.fill("#weight-value", "-1.25")
    pg.page.click("#weight-editor button[type=submit]")
    pg.page.wait_for_selector('.link-hit[data-value="-1.25"]', state="attached")
    # The bias of layer 1's first neuron, edited the same way.
    bias = pg.page.locator(".bias").first
    bias.click()
    pg.page.fill("#weight-value", "0.5")
    pg.page.press("#weight-value", "Enter")
    pg.page.wait_for_selector('.bias[data-value="0.5"]', state="attached")


# ---- 5. a 20-second session stays clean ------------------------------------------------


def test_a_twenty_second_session_is_clean(pg, watch):
    pg.open()
    pg.play()
    frames = pg.frames
    pg.page.check("#show-test")
    pg.page.check("#discretize")
    pg.page.check("#log-scale")
    point = link_point(pg.page, 0)
    pg.page.mouse.move(point["x"], point["y"])
    pg.page.locator("#tooltip").wait_for(state="visible")
    for _ in range(4):  # four 5-second windows, each must paint frames
        pg.page.wait_for_timeout(5_000)
        now = pg.frames
        assert now > frames, "no frame painted for 5 seconds"
        frames = now
    watch.assert_clean()
    assert watch.requests > 0


# ---- the connection: dropped by the server, restored from the URL ---------------------


def test_after_a_reconnect_the_page_restores_its_state(pg, request):
    import os

    if os.environ.get("PLAYGROUND_URL"):
        pytest.skip("needs the in-process live_server to drop the connection")
    server = request.getfixturevalue("live_server")
    before = {s.sid for s in server.sessions.all()}
    pg.open("hidden=3&activation=relu")
    pg.play()
    pg.epoch_rises(0)
    (session,) = [s for s in server.sessions.all() if s.sid not in before]

    server.app.extensions["socketio"].server.disconnect(session.sid)
    pg.page.wait_for_selector('#connection[data-state="offline"]')
    pg.page.wait_for_selector('#connection[data-state="connected"]')
    state = pg.wait_state(
        "s => s.config.hidden.join() === '3' && s.config.activation === 'relu'"
        " && s.status === 'playing'",
    )
    assert "hidden=3" in state["query"]
    painted = pg.frames
    pg.wait_frames(2, after=painted)  # frames flow again, from the new session
    frame = pg.wait_frame("f => f.epoch > 0")
    assert frame["sizes"][1] == 3


def test_a_full_server_is_reported_and_the_page_gets_in_when_a_seat_frees(
    playground_at,
    watch,
):
    import os

    if os.environ.get("PLAYGROUND_URL"):
        pytest.skip("needs its own in-process server with one seat")
    from app.live import LiveServer

    with LiveServer({"MAX_SESSIONS": 1}) as server:
        first = playground_at(server.url).open()
        second = playground_at(server.url)
        second.page.goto(f"{server.url}/")
        second.page.wait_for_selector('#connection[data-state="refused"]', timeout=20_000)
        assert "server full" in second.page.locator("#connection").text_content()
        assert "server full" in second.page.locator("#status-line").text_content()
        first.page.close()  # a seat frees: the waiting page retries and gets in
        second.page.wait_for_selector('#connection[data-state="connected"]', timeout=20_000)
        second.wait_frames(1, timeout=20_000)
        assert second.page.locator("#status-line").text_content() == ""
        second.page.close()
    # WebSocket only: no long-poll left in flight to be answered with a 400
    watch.assert_clean()


def test_settings_row_shows_each_optimizers_and_initialisers_own_fields(pg):
    """What the row shows comes from the schema (engine OPTIMIZER_FIELDS / INIT_FIELDS)."""
    pg.open()
    schema = schema_of(pg)
    by_optimizer = schema["optimizer"]["extra"]["fields"]
    hyper = {n for names in by_optimizer.values() for n in names}

    def shown(names):
        return {n for n in names if pg.page.locator(f"#ctl-{n}").is_visible()}

    pg.page.click(".gear >> nth=0")  # open the settings row (optimizer and initialiser)
    for optimizer, names in by_optimizer.items():
        pg.page.select_option("#ctl-optimizer", optimizer)
        pg.wait_state(f"s => s.config.optimizer === '{optimizer}'")
        pg.page.wait_for_function(
            "ns => ns.every(n => document.getElementById('ctl-' + n)?.offsetParent !== null)",
            arg=names,
        )
        assert shown(hyper) == set(names), optimizer
    by_init = schema["init"]["extra"]["fields"]
    init_fields = {n for names in by_init.values() for n in names}
    for init in ("uniform", "normal", "glorot_uniform"):
        pg.page.select_option("#ctl-init", init)
        pg.wait_state(f"s => s.config.init === '{init}'")
        assert shown(init_fields) == set(by_init.get(init, [])), init


def test_switching_to_a_regression_set_picks_the_schemas_output_and_loss(pg):
    pg.open()
    schema = schema_of(pg)
    extra = schema["dataset"]["extra"]
    regression = extra["regression"][0]
    pg.page.select_option("#ctl-problem", "regression")
    pg.page.click(f'button.dataset[data-dataset="{regression}"]')
    wanted = extra["problem_defaults"]["regression"]
    state = pg.wait_state(f"s => s.config.dataset === '{regression}'")
    assert {k: state["config"][k] for k in wanted} == wanted
    pg.play()
    pg.epoch_rises(0)


def test_the_training_share_slider_says_when_nothing_is_held_out(pg):
    """At 100 % every point trains and there is no test loss: the slider's read-out
    and its aria-valuetext say so; at 50 % they say the share alone."""
    pg.open("train_share=100")
    pg.wait_state("s => s.config.train_share === 100")
    slider = pg.page.locator("#ctl-train_share")
    assert slider.get_attribute("aria-valuetext") == "100% (no test set)"
    pg.open("train_share=50")
    pg.wait_state("s => s.config.train_share === 50")
    assert pg.page.locator("#ctl-train_share").get_attribute("aria-valuetext") == "50%"
