"""--engine ray: the local engine's stages on a (local) Ray cluster give byte-identical output."""

from __future__ import annotations

import pytest
from conftest import GOLDEN

pytestmark = pytest.mark.slow  # a Ray cluster per module: the slowest tests

ray = pytest.importorskip("ray", reason="--engine ray needs Ray: pip install 'cleaner[ray]'")

from benchmarks.archive import build


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray cluster for the module (a run that finds Ray started leaves it running)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _both_engines(cli, tmp_path, *inputs):
    outputs = {}
    for engine in ("local", "ray"):
        out, explain = tmp_path / f"{engine}.jsonl", tmp_path / f"{engine}.explain.jsonl"
        result = cli("run", *inputs, "-o", out, "--explain", explain, "--engine", engine, "--workers", "2")
        assert result.exit_code == 0, result.output
        outputs[engine] = (out.read_bytes(), explain.read_bytes())
    return outputs


def test_ray_equals_local_on_the_golden_inputs(cli, ray_cluster, tmp_path):
    outputs = _both_engines(cli, tmp_path, GOLDEN / "input")
    assert outputs["ray"] == outputs["local"]
    assert outputs["local"][0] == (GOLDEN / "expected" / "output.jsonl").read_bytes()


def test_ray_equals_local_on_a_10000_document_planted_archive(cli, ray_cluster, tmp_path):
    archive = tmp_path / "archive.jsonl"
    build(10_000, archive, seed=3, copy_share=0.15)
    outputs = _both_engines(cli, tmp_path, archive)
    assert outputs["ray"][0] == outputs["local"][0]
    assert outputs["ray"][1] == outputs["local"][1]
    # The archive has copies to find: the comparison is not between two outputs without duplicates.
    assert outputs["local"][0].count(b'"duplicate_of": "d') > 500
    stats = (tmp_path / "ray.jsonl.run.json").read_text()
    assert '"engine": "ray"' in stats and '"clusters":' in stats


def test_ray_cuts_the_same_sentences_as_local(cli, ray_cluster, tmp_path):
    import json

    from test_dedup import _added

    inputs = tmp_path / "added.jsonl"
    inputs.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in _added()), encoding="utf-8")
    outputs = _both_engines(cli, tmp_path, inputs)
    assert outputs["ray"] == outputs["local"]
    assert b'"span": true' in outputs["local"][1]


def test_ray_engine_without_ray_address_misuse_is_refused(cli, tmp_path):
    result = cli("run", GOLDEN / "input", "-o", tmp_path / "out.jsonl", "--ray-address", "127.0.0.1:6379")
    assert result.exit_code == 2 and "--ray-address goes with --engine ray" in result.output
