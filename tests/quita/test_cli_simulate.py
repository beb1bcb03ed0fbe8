"""`quita simulate FILE`, the real command in a subprocess (issue 2, section 4)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.issue_example import EXAMPLE_INPUT, EXAMPLE_OUTPUT


def simulate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quita.cli", "simulate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, content: Any, name: str = "scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def changed(change) -> dict[str, Any]:
    scenario = copy.deepcopy(json.loads(EXAMPLE_INPUT))
    change(scenario)
    return scenario


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, exactly one line on stderr starting with "error: " and naming the problem."""
    assert "Traceback" not in proc.stderr
    assert "Traceback" not in proc.stdout
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    (line,) = lines
    assert line.startswith("error: "), line
    for needle in needles:
        assert needle in line, line
    assert proc.stdout == ""
    return line


def test_example_prints_example_output(tmp_path: Path) -> None:
    proc = simulate(write(tmp_path, EXAMPLE_INPUT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout) == json.loads(EXAMPLE_OUTPUT)


def test_array_prints_array_in_order(tmp_path: Path) -> None:
    other = changed(lambda s: s["condition"].update(active=False))
    proc = simulate(write(tmp_path, [other, json.loads(EXAMPLE_INPUT)]))
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert isinstance(results, list)
    assert len(results) == 2
    assert results[0]["eligible"] is False
    assert results[0]["offers"] == []
    assert results[1] == json.loads(EXAMPLE_OUTPUT)


def test_missing_file(tmp_path: Path) -> None:
    proc = simulate(tmp_path / "nowhere.json")
    assert_one_line_error(proc, "nowhere.json")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "a_folder"
    folder.mkdir()
    assert_one_line_error(simulate(folder), "a_folder")


@pytest.mark.parametrize("text", ['{"as_of": ', "", "not json at all"])
def test_unreadable_json(tmp_path: Path, text: str) -> None:
    assert_one_line_error(simulate(write(tmp_path, text)), "JSON")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"as_of": "2026-11-27", "x": "cobran\xe7a"}')
    assert_one_line_error(simulate(path), "latin1.json")


def test_missing_field(tmp_path: Path) -> None:
    path = write(tmp_path, changed(lambda s: s["condition"].pop("interest_pct")))
    line = assert_one_line_error(simulate(path), "interest_pct")
    assert "missing" in line


def test_negative_amount(tmp_path: Path) -> None:
    path = write(tmp_path, changed(lambda s: s["receivables"][0].update(amount="-99.90")))
    line = assert_one_line_error(simulate(path), "amount")
    assert "negative" in line


@pytest.mark.parametrize("value", ["100.5", "-2"])
def test_percent_outside_0_100(tmp_path: Path, value: str) -> None:
    path = write(
        tmp_path, changed(lambda s: s["condition"]["options"][0].update(debt_discount_pct=value))
    )
    assert_one_line_error(simulate(path), "debt_discount_pct")


def test_impossible_date(tmp_path: Path) -> None:
    path = write(tmp_path, changed(lambda s: s.update(as_of="2026-02-30")))
    assert_one_line_error(simulate(path), "as_of", "2026-02-30")


def test_error_in_second_scenario_of_array(tmp_path: Path) -> None:
    bad = changed(lambda s: s["receivables"][0].update(due_date="2026-02-30"))
    path = write(tmp_path, [json.loads(EXAMPLE_INPUT), bad])
    assert_one_line_error(simulate(path), "[1]", "due_date")


# Bad input the issue also covers ("never a traceback"): values too large to compute with.


def test_amount_too_large_is_refused_with_one_line(tmp_path: Path) -> None:
    # 1e30 has more digits than the decimal context can quantize to cents
    path = write(tmp_path, changed(lambda s: s["receivables"][0].update(amount="1e30")))
    assert_one_line_error(simulate(path), "amount")


def test_due_dates_beyond_the_calendar_are_refused_with_one_line(tmp_path: Path) -> None:
    # 2026-11-27 + 3,000,000 days is far past year 9999
    path = write(tmp_path, changed(lambda s: s["condition"].update(days_to_first_due=3_000_000)))
    assert_one_line_error(simulate(path))


def test_deeply_nested_json_is_refused_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[" * 100_000 + "]" * 100_000)
    assert_one_line_error(simulate(path))
