"""An import commits completely or leaves the database exactly as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from lmsdb.diagnostics import SourceError
from lmsdb.sync.importer import import_markdown

from .conftest import SEED, run_cli
from .helpers import dump


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    src = SEED.read_text(encoding="utf-8")
    assert old in src
    f = tmp_path / "broken.md"
    f.write_text(src.replace(old, new, 1), encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("old", "new", "line", "needle"),
    [
        # A bad year in the last row of Inference: everything before it was valid.
        ("| 2022 |    SC     | [DeepSpeed Inference", "| 20x2 |    SC     | [DeepSpeed Inference",
         52, "year '20x2' is not a number"),
        ("| 2020 |         | [Megatron-LM", "| 1850 |         | [Megatron-LM", 42,
         "year 1850 is outside"),
        ("(https://arxiv.org/abs/1909.08053)", "(ftp://arxiv.org/abs/1909.08053)", 42,
         "is not http(s)"),
        ("[Megatron-LM](#megatron) |", "[Megatron-LM](#nosuch) |", 42,
         "#nosuch matches no"),
        ("[ZeRO-Offload: Democratizing Billion-Scale Model Training.]"
         "(https://www.usenix.org/conference/atc21/presentation/ren-jie)", "   ", 38,
         "the title is empty"),
    ],
)
def test_bad_row_writes_nothing(seeded, tmp_path, old, new, line, needle):
    before = dump(seeded)
    bad = broken_copy(tmp_path, old, new)
    with pytest.raises(SourceError) as e:
        import_markdown(seeded, bad)
    msg = str(e.value)
    assert msg.startswith(f"{bad}:{line}:"), msg
    assert needle in msg
    assert dump(seeded) == before


def test_bad_file_on_empty_database_leaves_it_empty(migrated, tmp_path):
    bad = broken_copy(tmp_path, "| 2022 |    SC     | [DeepSpeed Inference",
                      "| 2022 |    SC     | DeepSpeed Inference (ftp://x) | | |")
    before = dump(migrated)
    with pytest.raises(SourceError):
        import_markdown(migrated, bad)
    assert dump(migrated) == before


def test_cli_error_exit_code_and_file_unchanged(runner, db_url, tmp_path):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    db_file = Path(db_url.removeprefix("sqlite:///"))
    digest = hashlib.sha256(db_file.read_bytes()).hexdigest()
    bad = broken_copy(tmp_path, "| 2020 |         | [Megatron-LM", "| 20200 |         | [Megatron-LM")
    res = run_cli(runner, db_url, "import", str(bad))
    assert res.exit_code == 1
    assert f"{bad}:42:3: error: year 20200 is outside" in res.stderr
    assert "Traceback" not in res.stderr
    assert hashlib.sha256(db_file.read_bytes()).hexdigest() == digest


def test_failure_during_write_rolls_back(seeded, tmp_path, monkeypatch):
    """Not only validation: an error in the middle of the writes undoes the earlier writes."""
    from lmsdb.store.writes import Writes

    before = dump(seeded)
    newer = broken_copy(tmp_path, "| 2020 |         | [Megatron-LM", "| 2019 |         | [Megatron-LM")
    newer.write_text(newer.read_text() + "\n", encoding="utf-8")
    real = Writes.apply

    def explode(self, conn):
        real(self, conn)
        raise RuntimeError("disk full")

    monkeypatch.setattr(Writes, "apply", explode)
    with pytest.raises(RuntimeError):
        import_markdown(seeded, newer)
    assert dump(seeded) == before
