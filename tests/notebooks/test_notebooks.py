"""The analyst notebooks run top to bottom, so that they never fall behind the code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_notebooks_are_saved_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, path.name
        assert all(not cell.outputs and cell.execution_count is None for cell in code), f"{path.name} has outputs"


def test_the_omsk_notebook_runs_top_to_bottom(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    source = NOTEBOOKS / "01-omsk-2016.ipynb"
    work = tmp_path / source.name
    shutil.copy(source, work)
    notebook = nbformat.read(work, as_version=4)
    nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "Manzhouli" in text and "twinning" in text
    for name in ("omsk-partners.html", "omsk-visits-map.html", "omsk-visits-map.png", "omsk-partners.graphml",
                 "omsk-partner-links.csv", "omsk-partners.csv"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "Omsk" in (tmp_path / "omsk-partners.graphml").read_text(encoding="utf-8")
