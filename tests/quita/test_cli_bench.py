"""`quita bench`: a database URL it cannot use is one line and exit code 2, for every bench."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from quita.cli import app

runner = CliRunner()


@pytest.mark.parametrize("bench", ["rules", "outreach"])
def test_a_database_that_is_not_sqlite_or_postgres_is_refused_in_one_line(bench):
    result = runner.invoke(app, ["bench", bench, "--database", "mysql://db/x"])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert "'mysql://db/x' is neither sqlite:// nor postgres://" in line
