"""The learning-rate schedule on the page: a selector beside the learning rate whose
settings show only when they apply, and the scheduled rate drawn on the loss chart as
a thin line on an axis of its own, named in the legend."""

from __future__ import annotations

import pytest
from browser_helpers import AXE, axe_violations

pytestmark = pytest.mark.browser

LR_TRACE = """() => {
  const gd = document.getElementById('loss-chart');
  const t = (gd.data || []).find((d) => d.name && d.name.startsWith('learning rate'));
  return t ? { x: Array.from(t.x), y: Array.from(t.y), yaxis: t.yaxis,
               axis: gd._fullLayout.yaxis3.type } : null;
}"""


def test_the_schedules_rate_is_drawn_on_the_loss_chart(pg):
    # StepLR(20, 0.5) from 0.5: the rate of the epoch after row e is 0.5 · 0.5^⌊e / 20⌋
    pg.open("optimizer=sgd&lr=0.5&lr_schedule=step&step_size=20&gamma=0.5")
    pg.play()
    pg.page.wait_for_function(
        f"() => {{ const t = ({LR_TRACE})(); return !!t && t.x[t.x.length - 1] >= 70; }}",
        timeout=60_000,
    )
    pg.pause()
    trace = pg.page.evaluate(LR_TRACE)
    assert trace["yaxis"] == "y3" and trace["axis"] == "log"
    assert pg.page.is_visible(".lr-key")  # the key under the chart names it
    assert "learning rate" in pg.page.text_content("#loss-summary")
    assert len(trace["x"]) > 10
    for epoch, rate in zip(trace["x"], trace["y"], strict=True):
        assert rate == pytest.approx(0.5 * 0.5 ** (epoch // 20), rel=1e-6), epoch
    # the steps are there: rates from all of 0.5, 0.25 and 0.125 at least
    assert {round(r, 6) for r in trace["y"]} >= {0.5, 0.25, 0.125}


def test_a_constant_rate_draws_no_rate_line(pg):
    pg.open("optimizer=sgd&lr=0.5")
    pg.play()
    pg.page.wait_for_function("() => window.playground.lossPoints > 5", timeout=30_000)
    assert pg.page.evaluate(LR_TRACE) is None
    assert not pg.page.is_visible(".lr-key")


def test_the_selector_shows_only_the_chosen_schedules_settings(pg):
    page = pg.page
    page.add_init_script(path=str(AXE))
    pg.open()
    page.click('[data-field="lr_schedule"] .gear')
    assert page.is_visible("#drawer")

    def shown(name: str) -> bool:
        return page.is_visible(f'[data-field="{name}"]')

    assert not any(shown(n) for n in ("step_size", "T_max", "max_lr", "total_steps"))
    page.select_option("#ctl-lr_schedule", "cosine")
    pg.wait_state("s => s.config.lr_schedule === 'cosine'")
    assert shown("T_max") and shown("eta_min") and not shown("step_size")
    page.select_option("#ctl-lr_schedule", "cyclic")
    pg.wait_state("s => s.config.lr_schedule === 'cyclic'")
    assert all(shown(n) for n in ("max_lr", "step_size_up", "mode", "gamma"))
    assert not shown("T_max")
    assert "lr_schedule=cyclic" in page.evaluate("location.hash")
    assert axe_violations(page) == []
