"""`seatplan serve` gives its processes a folder for their request counters, and no
counts of an earlier run."""

from __future__ import annotations

import os

from seatplan.cli.serve import METRICS_DIR_ENV, metrics_folder


def test_the_configured_folder_is_emptied_of_earlier_counts(tmp_path, monkeypatch):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"old counts")
    (folder / "README").write_text("not ours")
    monkeypatch.setenv(METRICS_DIR_ENV, str(folder))
    assert metrics_folder() == folder
    assert sorted(path.name for path in folder.iterdir()) == ["README"]


def test_without_one_a_fresh_folder_is_made_and_named_in_the_environment(monkeypatch):
    # Recorded, then removed: monkeypatch puts back what was there before the test.
    monkeypatch.setenv(METRICS_DIR_ENV, "recorded")
    monkeypatch.delenv(METRICS_DIR_ENV)
    folder = metrics_folder()
    try:
        assert os.environ[METRICS_DIR_ENV] == str(folder)
        assert folder.is_dir()
        assert not any(folder.iterdir())
    finally:
        folder.rmdir()
