"""Config validation: a bad value fails at construction with a message that names it."""

from __future__ import annotations

import pytest

from cleaner import Config


@pytest.mark.parametrize("kwargs, message", [
    ({"num_perm": 0}, "num_perm must be a positive integer, got 0"),
    ({"shingle_size": 2.5}, "shingle_size must be a positive integer, got 2.5"),
    ({"bands": 40, "rows": 4}, "bands * rows = 160 exceeds num_perm = 128"),
    ({"threshold": 0}, "threshold must be in (0, 1], got 0"),
    ({"threshold": 1.5}, "threshold must be in (0, 1], got 1.5"),
    ({"seed": -1}, "seed must be an integer in [0, 2**32), got -1"),
    ({"exact_min_words": 20}, "exact_min_words (20) must not exceed minhash_min_words (10)"),
    ({"furniture_min_docs": True}, "furniture_min_docs must be a positive integer, got True"),
])
def test_invalid_values_name_the_setting(kwargs, message):
    with pytest.raises(ValueError) as err:
        Config(**kwargs)
    assert message in str(err.value)


def test_defaults_and_dedup_settings_record():
    cfg = Config()
    settings = cfg.dedup_settings()
    assert settings["scheme"] == "affine32" and settings["hash"].startswith("FNV-1a 64 per token")
    assert (settings["bands"], settings["rows"], settings["num_perm"]) == (20, 3, 128)
    assert settings["datasketch"].startswith("2.")
