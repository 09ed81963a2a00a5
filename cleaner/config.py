"""Run settings, validated when built so that a bad value fails before any input is read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from .strip.linemodel.model import LineModel, file_digest, load_line_model
from .strip.userrules import UserRules, load_rules, parse_rules

_POSITIVE = (
    "shingle_size", "num_perm", "bands", "rows", "minhash_min_words", "short_max_words", "long_min_words",
    "edge_words", "edge_min_words", "bucket_scan", "checks_per_passage",
    "doc_shingle_size", "doc_min_words", "doc_max_words", "furniture_min_docs",
    "furniture_min_contexts", "furniture_max_words", "related_max_words", "max_doc_bytes",
    "max_line_chars",
)


@dataclass(frozen=True)
class Config:
    """Settings of one cleaning run.

    The dedup defaults come from ``benchmarks/dedup_real.py`` (see the README):
    candidates come from LSH over words and word pairs (and a copy's first or
    last words), and each candidate is checked by word 5-gram Jaccard,
    containment, or a word edit distance.

    >>> Config().num_perm
    128
    >>> Config(bands=32, rows=5)
    Traceback (most recent call last):
    ...
    ValueError: bands * rows = 160 exceeds num_perm = 128; raise num_perm or lower bands/rows
    """

    # Dedup: MinHash LSH over words and word pairs (bands x rows of the num_perm
    # permutations), each candidate checked: word shingle_size-gram Jaccard >= threshold,
    # containment (truncation_containment), or a word edit distance (edit_share).
    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 20
    rows: int = 3
    threshold: float = 0.5
    seed: int = 1
    # The n-gram checks (Jaccard, containment) need this many words on both sides;
    # shorter passages are copies only within a few word edits.
    minhash_min_words: int = 10
    # LSH over words and word pairs below this many words (and the edit guard for names
    # and numbers); over word pairs alone from long_min_words.
    short_max_words: int = 30
    long_min_words: int = 20
    # A passage of edge_min_words or more is also looked up by its first and last edge_words words.
    edge_words: int = 8
    edge_min_words: int = 12
    # A copy of a passage of short_max_words or more may differ by this share of its words.
    edit_share: float = 0.1
    # Work per passage, bounded whatever the cluster: each bucket read this deep (newest
    # canonicals first), and this many candidates (those sharing most keys) checked.
    bucket_scan: int = 32
    checks_per_passage: int = 6
    # Which copy is kept: "longest" (ties to the complete one, then the first seen), "first",
    # or "source-priority": the copy from the host listed earliest in ``source_priority``
    # (a host matches its subdomains; unlisted hosts come after every listed one), then the longest.
    keep: str = "longest"
    source_priority: tuple[str, ...] = ()
    # A document whose content words are this share copies of one other document is its duplicate.
    whole_document_share: float = 0.8
    # Passages shorter than this (labels, one-word headings) are never deduplicated:
    # "Summary" in two documents is not a copied passage.
    exact_min_words: int = 4
    # Inside one document, two renderings of the same passage (a tweet and its
    # cached copy, a dek and its paragraph) are looser copies than syndication makes.
    doc_shingle_size: int = 3
    doc_threshold: float = 0.3
    # Shorter passages of one page that share this much are different facts said
    # alike ("cut 3,000 jobs in the US" / "cut 1,000 jobs in Europe"), not copies.
    doc_min_words: int = 25
    doc_max_words: int = 120
    # A truncated copy ("cut short with …") is a duplicate when this share of its
    # shingles is inside a longer passage.
    truncation_containment: float = 0.8
    # Corpus-level pass: a short line seen in many documents, in varied
    # surroundings, is site furniture.
    furniture_min_docs: int = 5
    furniture_min_contexts: int = 3
    furniture_max_words: int = 12
    # A document whose every passage is a copy is marked duplicate_of.
    related_max_words: int = 100
    # One pathological page must not hang a run: over this many seconds of
    # extraction and stripping, the document is rejected (0: no limit).
    doc_time_limit: float = 30.0
    # A document larger than this many UTF-8 bytes (text, or HTML before extraction),
    # or with a line longer than this many characters, is over a limit.
    max_doc_bytes: int = 20_000_000
    max_line_chars: int = 1_000_000
    # "reject" the document, or "truncate" it to the limit and audit what was cut.
    over_limit: str = "reject"
    # Repair mojibake ("cafÃ©" -> "café") with ftfy where it is certain.
    repair_mojibake: bool = True
    # Where JSONL and Parquet records keep their fields.
    id_field: str = "id"
    text_field: str = "text"
    html_field: str = "html"
    # User rules and allow-list (``--rules FILE``): a path or a mapping is loaded here, so
    # that a bad file fails before any input is read, and workers get the compiled rules.
    rules: UserRules | None = None
    # The line model removes a line whose boilerplate probability is at least this: lower
    # removes more furniture and risks more text; 1.0 leaves only the rules (see the README).
    strip_threshold: float = 0.5
    # A model fitted by ``cleaner train`` (``--model FILE``), else the one in the package.
    line_model: str | None = None

    def __post_init__(self) -> None:
        self._check_dedup()
        self._check_limits_and_fields()
        self._load_rules()
        self._load_line_model()

    def _check_dedup(self) -> None:
        for name in _POSITIVE:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.exact_min_words, int) or self.exact_min_words < 1:
            raise ValueError(f"exact_min_words must be a positive integer, got {self.exact_min_words!r}")
        if self.exact_min_words > self.minhash_min_words:
            raise ValueError(
                f"exact_min_words ({self.exact_min_words}) must not exceed minhash_min_words ({self.minhash_min_words})"
            )
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands * rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}; "
                "raise num_perm or lower bands/rows"
            )
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(map(repr, KEEP_POLICIES))}, got {self.keep!r}")
        object.__setattr__(self, "source_priority", _hosts(self.source_priority))
        if self.keep == "source-priority" and not self.source_priority:
            raise ValueError("keep = 'source-priority' needs source_priority: the hosts whose copy is kept first, "
                             "in order (e.g. ['apnews.com', 'reuters.com'], or --source-priority apnews.com,reuters.com)")
        for name in ("threshold", "doc_threshold", "truncation_containment", "edit_share", "whole_document_share"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value!r}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")

    def _check_limits_and_fields(self) -> None:
        limit = self.doc_time_limit
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
            raise ValueError(f"doc_time_limit must be a number of seconds >= 0, got {limit!r}")
        if self.over_limit not in ("reject", "truncate"):
            raise ValueError(f"over_limit must be 'reject' or 'truncate', got {self.over_limit!r}")
        if not isinstance(self.repair_mojibake, bool):
            raise ValueError(f"repair_mojibake must be true or false, got {self.repair_mojibake!r}")
        for name in ("id_field", "text_field", "html_field"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if len({self.id_field, self.text_field, self.html_field}) < 3:
            raise ValueError("id_field, text_field and html_field must name three different fields")

    def _load_rules(self) -> None:
        if isinstance(self.rules, (str, os.PathLike)):
            object.__setattr__(self, "rules", load_rules(self.rules))
        elif isinstance(self.rules, Mapping):
            data = dict(self.rules)
            object.__setattr__(self, "rules", parse_rules(data, str(data.get("file", "<rules>"))))
        elif self.rules is not None and not isinstance(self.rules, UserRules):
            raise ValueError(f"rules must be a path to a TOML rules file, got {self.rules!r}")

    def _load_line_model(self) -> None:
        t = self.strip_threshold
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 < t <= 1.0:
            raise ValueError(f"strip_threshold must be in (0, 1], got {t!r}")
        model = None
        if self.line_model is not None:
            if not isinstance(self.line_model, (str, os.PathLike)):
                raise ValueError(f"line_model must be a path to a model file, got {self.line_model!r}")
            object.__setattr__(self, "line_model", os.fspath(self.line_model))
            model = load_line_model(self.line_model)
        # Loaded here, so that a bad file fails before any input is read and workers get the weights.
        object.__setattr__(self, "_line_model", model)

    def model(self) -> LineModel | None:
        """The user's line model, or None for the shipped one."""
        return self.__dict__.get("_line_model")

    def dedup_settings(self) -> dict:
        """The settings that make two signatures comparable, for the run summary."""
        from importlib.metadata import version  # datasketch itself imports scipy: a third of a second

        from .dedup.minhash import SHINGLE_HASH_NAME

        return {
            "lsh": f"MinHash over words and word pairs under {self.short_max_words} words, "
                   f"word pairs from {self.long_min_words}",
            "check": f"word {self.shingle_size}-gram Jaccard >= {self.threshold}, containment >= "
                     f"{self.truncation_containment}, or word edits (share {self.edit_share})",
            "num_perm": self.num_perm,
            "bands": self.bands,
            "rows": self.rows,
            "threshold": self.threshold,
            "keep": self.keep,
            "hash": SHINGLE_HASH_NAME,
            "scheme": "affine32",
            "seed": self.seed,
            "datasketch": version("datasketch"),
        }

    def as_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rules"] = self.rules.as_dict() if self.rules is not None else None
        if self.line_model is not None:
            # The file's digest, not only its path: a model retrained in place is another run.
            out["line_model"] = {"path": self.line_model, "sha256": file_digest(self.line_model)}
        return out


KEEP_POLICIES = ("longest", "first", "source-priority")


def _hosts(value) -> tuple[str, ...]:
    """``source_priority`` as lower-case hosts without "www.": from a list, or a comma-separated string."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(h, str) for h in items):
        raise ValueError(f"source_priority must be a list of hosts, got {value!r}")
    hosts = []
    for item in items:
        host = item.strip().lower()
        if "://" in host:
            host = urlsplit(host).hostname or ""
        host = host.removeprefix("www.").rstrip(".")
        # A document's host is its URL's hostname: never a port, a path, a wildcard or spaces.
        if not host or any(c in host for c in ":/*@?# \t"):
            raise ValueError(f"source_priority: {item!r} is not a host (e.g. 'reuters.com'; subdomains match by themselves)")
        hosts.append(host)
    return tuple(hosts)


def source_rank(host: str, priority: tuple[str, ...]) -> int:
    """Where a document's host stands in ``source_priority`` (0 first; unlisted: after every listed one).

    >>> source_rank("uk.reuters.com.", ("apnews.com", "reuters.com")), source_rank("example.org", ("apnews.com",))
    (1, 1)
    """
    host = host.rstrip(".")  # "reuters.com." is the same host, as the settings are read
    for rank, entry in enumerate(priority):
        if host == entry or host.endswith("." + entry):
            return rank
    return len(priority)
