"""`lmsdb stats`: the numbers on the reference list, and the bar charts."""

from __future__ import annotations

import doctest
import json

import pytest

from lmsdb.query import stats as stats_mod

from .conftest import SEED, run_cli


@pytest.fixture
def seeded_url(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    return db_url


def test_doctests():
    assert doctest.testmod(stats_mod).failed == 0


def test_numbers_on_the_reference_list(runner, seeded_url):
    """Counted by hand from seeds/awesome-lm-system.md: 26 paper rows, 25 papers (DeepSpeed-MoE
    is in Training and Inference); Frameworks cells: DeepSpeed 21, Alpa 3, Megatron-LM 1."""
    res = run_cli(runner, seeded_url, "stats", "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["papers"] == 25
    assert data["per_year"] == [{"year": 2020, "papers": 4}, {"year": 2021, "papers": 3},
                                {"year": 2022, "papers": 11}, {"year": 2023, "papers": 7}]
    assert data["per_framework"] == [
        {"framework": "DeepSpeed", "papers": 21}, {"framework": "Alpa", "papers": 3},
        {"framework": "Megatron-LM", "papers": 1},
        {"framework": "Megatron-DeepSpeed", "papers": 0}, {"framework": "TeraPipe", "papers": 0},
        {"framework": "PipeDream", "papers": 0}, {"framework": "TorchGipe", "papers": 0}]
    assert data["per_category"] == [
        {"category": "Training", "papers": 24}, {"category": "Inference", "papers": 2},
        {"category": "Benchmark", "papers": 0}, {"category": "Survey", "papers": 0}]
    venues = {d["venue"]: d["papers"] for d in data["per_venue"]}
    assert sum(venues.values()) == 25
    assert venues["(preprint)"] == 7 and venues["NeurIPS"] == 4 and venues["OSDI"] == 2
    assert data["per_venue"][0] == {"venue": "(preprint)", "papers": 7}
    assert data["by_capability"] == [
        {"capability": "training", "frameworks": 7,
         "names": "Alpa, Megatron-DeepSpeed, TeraPipe, DeepSpeed, Megatron-LM, PipeDream, "
                  "TorchGipe"},
        {"capability": "inference", "frameworks": 2, "names": "Alpa, DeepSpeed"},
        {"capability": "serving", "frameworks": 1, "names": "Alpa"}]


def test_text_output_with_charts(runner, seeded_url):
    res = run_cli(runner, seeded_url, "stats", "--width", "60")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "25 papers"
    start = lines.index("Papers per year") + 2
    year_lines = lines[start:start + 4]
    assert [line.split()[0] for line in year_lines] == ["2020", "2021", "2022", "2023"]
    assert [int(line.split()[-1]) for line in year_lines] == [4, 3, 11, 7]
    # The longest bar fills the width exactly; the others are in proportion.
    assert max(len(line) for line in year_lines) == 60
    bars = [line.count("█") for line in year_lines]
    assert bars[2] == 60 - len("2022  ") - len(" 11")
    assert abs(bars[0] / bars[2] - 4 / 11) < 0.05
    fw = lines.index("Papers per framework") + 2
    assert lines[fw].startswith("DeepSpeed") and lines[fw].endswith(" 21")
    assert lines[fw + 3].split() == ["Megatron-DeepSpeed", "0"]  # no bar for zero
    assert "Papers per venue" in lines and "Frameworks by capability" in lines


def test_chart_follows_the_terminal_width(runner, seeded_url, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    res = run_cli(runner, seeded_url, "stats")
    assert max(len(line) for line in res.stdout.splitlines()
               if "█" in line) == 40


def test_bar_eighths():
    assert stats_mod.bar(1, 1 / 8) == "▏"
    assert stats_mod.bar(0, 5) == ""
    assert stats_mod.bar(2, 1.25) == "██▌"
