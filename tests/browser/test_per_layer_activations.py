"""Per-layer activations on the page: each hidden layer's menu in the network view sets
that layer's activation (by keyboard too), the "all layers" menu sets every layer's,
and the choice travels in the URL (activation=relu,tanh) and comes back from it."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from browser_helpers import AXE, axe_violations

pytestmark = pytest.mark.browser

PER_LAYER = "s => Array.isArray(s.config.activation) && s.config.activation.join() === '{}'"


def menus(pg) -> list[str]:
    """The value each hidden layer's activation menu shows, inputs first."""
    return pg.page.locator(".layer-activation").evaluate_all("ms => ms.map(m => m.value)")


def test_each_layers_menu_sets_its_activation_and_the_url_carries_it(pg, playground_at):
    pg.page.add_init_script(path=str(AXE))
    pg.open("hidden=4,3")
    assert menus(pg) == ["tanh", "tanh"]
    pg.page.select_option("#layer-1-activation", "relu")
    state = pg.wait_state(PER_LAYER.format("relu,tanh"))
    assert state["config"]["hidden"] == [4, 3]
    # By keyboard: Tab from layer 2's width slider reaches its menu; "l" picks Linear.
    pg.page.focus("#layer-2-size")
    pg.page.keyboard.press("Tab")
    assert pg.page.evaluate("() => document.activeElement.id") == "layer-2-activation"
    pg.page.keyboard.press("l")
    state = pg.wait_state(PER_LAYER.format("relu,linear"))
    assert menus(pg) == ["relu", "linear"]
    # the "all layers" menu says the layers differ; the URL says how
    assert pg.page.eval_on_selector("#ctl-activation", "s => s.value") == ""
    assert "per layer" in pg.page.inner_text("#ctl-activation")
    pg.page.wait_for_function("q => location.hash.replace(/^#/, '') === q", arg=state["query"])
    assert "activation=relu,linear" in unquote(urlsplit(pg.page.url).fragment)
    assert axe_violations(pg.page) == []

    # The link, opened afresh, runs the same set-up and shows it in the menus.
    other = playground_at(pg.base_url)
    other.page.goto(pg.page.url)
    other.wait_frames(1)
    again = other.wait_state(PER_LAYER.format("relu,linear"))
    assert again["config"] == state["config"]
    assert menus(other) == ["relu", "linear"]
    assert other.frame["sizes"] == [2, 4, 3, 1]
    other.page.close()


def test_a_new_layer_takes_the_last_ones_activation_and_all_layers_sets_every_one(pg):
    pg.open("hidden=4,3&activation=relu,tanh")
    pg.wait_state(PER_LAYER.format("relu,tanh"))
    assert menus(pg) == ["relu", "tanh"]
    pg.page.click("[aria-label='Add a hidden layer']")
    state = pg.wait_state(PER_LAYER.format("relu,tanh,tanh"))
    assert state["config"]["hidden"] == [4, 3, 2]
    pg.page.click("[aria-label='Remove the last hidden layer']")
    pg.wait_state(PER_LAYER.format("relu,tanh"))
    # down to no hidden layer: the first layer's name stays, and comes back with a layer
    pg.page.click("[aria-label='Remove the last hidden layer']")
    pg.wait_state("s => s.config.hidden.length === 1 && s.config.activation === 'relu'")
    pg.page.click("[aria-label='Remove the last hidden layer']")
    pg.wait_state("s => s.config.hidden.length === 0 && s.config.activation === 'relu'")
    pg.page.click("[aria-label='Add a hidden layer']")
    pg.page.click("[aria-label='Add a hidden layer']")
    pg.wait_state("s => s.config.hidden.length === 2")
    assert menus(pg) == ["relu", "relu"]
    pg.page.select_option("#layer-2-activation", "tanh")
    pg.wait_state(PER_LAYER.format("relu,tanh"))
    # one name for every layer: the top bar's menu
    pg.page.select_option("#ctl-activation", "elu")
    state = pg.wait_state("s => s.config.activation === 'elu'")
    assert menus(pg) == ["elu", "elu"]
    assert "activation=elu" in state["query"]
    # a layer set back to what the others have is one name again
    pg.page.select_option("#layer-2-activation", "tanh")
    pg.wait_state(PER_LAYER.format("elu,tanh"))
    pg.page.select_option("#layer-2-activation", "elu")
    pg.wait_state("s => s.config.activation === 'elu'")


def test_a_phase_diagram_over_per_layer_activations_opens_its_cells_set_up(pg):
    """Rows: relu,relu and relu,tanh on a 2-2-2-1 net; columns: two learning rates.
    Every cell names its activations, and a click runs that cell's set-up live."""
    pg.open("hidden=2,2&activation=relu&dataset=xor4")
    page = pg.page
    page.select_option("#phase-y-key", "activation")
    page.fill("#phase-y-values", "relu,relu / relu,tanh")
    page.select_option("#phase-x-key", "lr")
    page.fill("#phase-x-values", "0.03,0.1")
    page.fill("#phase-seeds", "6")
    page.fill("#phase-epochs", "150")
    page.click("#phase-run")
    page.wait_for_selector("#phase-grid[data-state='done']", timeout=120_000)
    heads = page.eval_on_selector_all(
        "#phase-grid .phase-head.row", "hs => hs.map(h => h.textContent)"
    )
    assert heads == ["relu,relu", "relu,tanh"]
    labels = page.eval_on_selector_all(
        "#phase-grid .phase-cell", "bs => bs.map(b => b.getAttribute('aria-label'))"
    )
    assert len(labels) == 4
    assert labels[3].startswith("Activation relu,tanh, Learning rate 0.1: ")
    page.locator("#phase-grid .phase-cell").nth(3).click()
    state = pg.wait_state(PER_LAYER.format("relu,tanh") + " && s.config.lr === 0.1")
    assert state["config"]["hidden"] == [2, 2]
    assert menus(pg) == ["relu", "tanh"]


def test_the_lab_compares_a_tanh_second_layer_with_relu_on_the_same_seeds(pg):
    """The seeds' point on the page: 2-2-2-1 ReLU run, pinned; the second layer's menu
    set to tanh; the pin's Compare runs both set-ups in the restart lab."""
    pg.open("hidden=2,2&activation=relu&dataset=xor4")
    pg.page.click("#step")
    pg.wait_frame("f => f.epoch === 1")
    pg.page.click("#pin-run")
    pg.page.select_option("#layer-2-activation", "tanh")
    pg.wait_state(PER_LAYER.format("relu,tanh"))
    pg.page.fill("#lab-seeds", "16")
    pg.page.fill("#lab-epochs", "300")
    pg.page.get_by_role("button", name="Compare activation: ReLU in the restart lab").click()
    pg.page.wait_for_function(
        "() => document.querySelector('#lab-compare').textContent.includes('McNemar')",
        timeout=120_000,
    )
    text = pg.page.inner_text("#lab-compare p")
    assert "Current set-up:" in text and "Pinned (activation: ReLU)" in text
    assert text.count("/16 solved") == 2
