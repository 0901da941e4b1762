"""The page's "Code" button (issue 14): the run's script for NumPy, PyTorch or Keras,
shown in a dialog, downloaded as a .py file."""

from __future__ import annotations

import pytest
from browser_helpers import AXE, axe_violations

pytestmark = pytest.mark.browser


def test_code_shows_and_downloads_the_script_for_each_library(pg, tmp_path):
    pg.page.add_init_script(path=str(AXE))
    pg.open("hidden=3&speed=0")
    pg.page.click("#step")
    pg.wait_frame("f => f.epoch === 1")
    pg.page.click("#show-code")
    dialog = pg.page.locator("#code-dialog")
    dialog.wait_for(state="visible")
    pg.page.wait_for_function(
        "() => document.querySelector('#code-text').textContent.includes('import numpy')"
    )
    with pg.page.expect_download() as download:
        pg.page.click("#code-download")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".py" and "import numpy" in path.read_text()
    for target, word in (("torch", "import torch"), ("keras", "import keras")):
        pg.page.select_option("#code-target", target)
        pg.page.wait_for_function(
            "w => document.querySelector('#code-text').textContent.includes(w)",
            arg=word,
            timeout=60_000,
        )
    assert axe_violations(pg.page) == []  # the dialog open
    pg.page.click("#code-close")
    dialog.wait_for(state="hidden")
