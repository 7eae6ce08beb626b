"""The exporters' lightweight tables name only columns that the models' tables have."""

from __future__ import annotations

from lmsdb.exporters import tables
from lmsdb.store.schema import Base


def test_every_exported_column_exists_in_the_models():
    for light in tables.ALL:
        model_table = Base.metadata.tables[light.name]
        missing = {c.name for c in light.columns} - {c.name for c in model_table.columns}
        assert not missing, (light.name, missing)


def test_exports_do_not_import_the_orm():
    import subprocess
    import sys

    code = ("import sys, lmsdb.exporters.bibtex, lmsdb.exporters.markdown; "
            "print('sqlalchemy.orm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
