"""Shared helpers: where the golden data lives, and the CLI run in-process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from cleaner.cli import main

# HYPOTHESIS_PROFILE=thorough runs many more generated cases, by hand.
settings.register_profile("default", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "golden"
DATA = Path(__file__).resolve().parent / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def golden_run(tmp_path_factory):
    """The golden inputs through `cleaner run`, once per session: (output, explain) records."""
    out_dir = tmp_path_factory.mktemp("golden")
    out, explain = out_dir / "out.jsonl", out_dir / "explain.jsonl"
    result = CliRunner().invoke(
        main, ["run", str(GOLDEN / "input"), "-o", str(out), "--explain", str(explain), "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return read_jsonl(out), read_jsonl(explain), out, explain
