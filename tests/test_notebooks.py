"""docs/notebooks/*.ipynb run top to bottom in a real Jupyter kernel (nbclient +
ipykernel, the test extras) without any cell raising; what they show is checked."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "docs" / "notebooks"


def _kernel_for_this_python(tmp_path: Path) -> tuple[str, dict]:
    """A kernelspec that starts this interpreter (the one with the project installed),
    written to a folder of the test's own, not the machine's Jupyter paths."""
    from ipykernel.kernelspec import write_kernel_spec

    spec_dir = tmp_path / "kernels" / "playground-test"
    write_kernel_spec(
        spec_dir,
        overrides={
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "playground test",
        },
    )
    return "playground-test", {"JUPYTER_PATH": str(tmp_path)}


def _outputs(cell) -> str:
    text = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            text.append(output.get("text", ""))
        elif "data" in output:
            text.append(output["data"].get("text/plain", ""))
            text.append(output["data"].get("text/html", ""))
    return "".join(text)


@pytest.mark.timeout(600)
def test_the_quickstart_runs_without_an_error(tmp_path, monkeypatch):
    path = NOTEBOOKS / "quickstart.ipynb"
    notebook = nbformat.read(path, as_version=4)
    kernel, env = _kernel_for_this_python(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = nbclient.NotebookClient(
        notebook, kernel_name=kernel, timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell raises
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code)
    everything = "\n".join(_outputs(cell) for cell in code)
    assert "epoch 2000: loss" in everything
    assert "relative difference:" in everything
    assert "solved" in everything and "leaky_relu" in everything  # the lab's table
    assert "127.0.0.1:" in everything  # show(): the page's IFrame on the kernel's server
    figures = [
        o
        for cell in code
        for o in cell.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
        or "plotly" in o.get("data", {}).get("text/html", "")
    ]
    assert len(figures) >= 3  # the surface, the loss, the fixed run's surface
