"""The import layers of pyproject.toml's [tool.importlinter] hold (what `make lint` checks)."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_no_layer_imports_one_above_it() -> None:
    # 0 when every contract is kept; the report of a broken one names the import.
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0
