"""The benchmarks still run: each on a small tenant, printing the JSON it promises.

They are not timed here (timings belong to the benchmarks themselves); this only keeps a
change of the API or the services from breaking them unnoticed, as a path-bound
`$skiptoken` once broke `bench/api_lists.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run(tmp_path: Path, script: str, *args: str) -> dict[str, object]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # caches and temporary databases
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_group_assign_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "group_assign.py", "--members", "2000")
    assert result["members"] == 2000
    assert {
        "seconds",
        "floor_seconds",
        "ratio",
        "one_member_ms",
        "change_log_seconds",
    } <= result.keys()


def test_api_lists_answers_every_list(tmp_path: Path) -> None:
    """Every list answers 200 (the script stops at any other status) on SQLite."""
    result = _run(tmp_path, "api_lists.py", "--users", "2000", "--repeat", "1")
    assert result["users"] == 2000
    medians = result["median_ms"]
    assert isinstance(medians, dict)
    assert any(name.endswith("_deep") for name in medians)
    assert result["users_in_error"]


def test_membership_rules_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "membership_rules.py", "--users", "2000", "--repeat", "1")
    assert result["users"] == 2000
    rules = result["rules"]
    assert isinstance(rules, dict)
    assert {"users_per_second", "ratio_to_floor", "matched_share"} <= rules["and_in"].keys()
    load = result["load"]
    assert isinstance(load, dict)
    # The same users, read back from the database, match the same rule.
    assert load["matched"] == rules["and_in"]["matched"]


def test_rule_preview_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "rule_preview.py", "--users", "2000")
    assert (result["users"], result["joining"], result["leaving"]) == (2000, 1000, 1000)
    assert {"rule_seconds", "preview_seconds", "ratio", "writer_wait_ms"} <= result.keys()


def test_dynamic_groups_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "dynamic_groups.py", "--users", "2000")
    assert result["users"] == 2000
    evaluation = result["evaluation"]
    assert isinstance(evaluation, dict)
    assert evaluation["joined"] == 1000
    assert {"floor_seconds", "ratio", "rule_seconds", "one_user_ms"} <= result.keys()


def test_bulk_import_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "bulk_import.py", "--rows", "300")
    assert result["rows"] == 300
    assert {"seconds", "floor_seconds", "ratio", "check_seconds", "peak_rss_mb"} <= result.keys()


def test_nested_groups_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "nested_groups.py", "--members", "2000")
    assert result["members"] == 2000
    assert result["leaf_groups"] == 100
    assert result["toggle_queued"] == 2000
    assert {"nested_seconds", "direct_seconds", "ratio", "setting_on_ratio"} <= result.keys()


def test_scim_sync_runs(tmp_path: Path) -> None:
    """An initial SCIM sync against `seatplan serve` completes and everyone is licensed."""
    result = _run(tmp_path, "scim_sync.py", "--users", "200", "--clients", "4")
    assert result["users"] == 200
    assert result["groups"] == 2
    assert result["requests"] == 200 * 2 + 2 * 2
    assert {"requests_per_second", "p99_ms", "licensing_settled_seconds_after_last_request"} <= (
        result.keys()
    )


def test_tenant_runs_and_its_doctor_finds_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, "tenant.py", "--users", "400", "--changes", "20")
    assert result["doctor"]["ok"] is True  # type: ignore[index]
    full = result["full"]
    assert {"seconds", "floor_seconds", "ratio", "rows"} <= full.keys()  # type: ignore[union-attr]
    assert result["day"]["changes"] == 20 + 20 + 10  # type: ignore[index]


def test_memory_reports_every_process(tmp_path: Path) -> None:
    result = _run(tmp_path, "memory.py", "--memberships", "2000", "--workers", "2")
    assert len(result["peaks_mb"]["workers"]) == 2  # type: ignore[index]
    assert result["doctor"]["ok"] is True  # type: ignore[index]
