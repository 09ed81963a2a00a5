"""User rules: extra furniture patterns and an allow-list, from a TOML file (``--rules FILE``).

.. code-block:: toml

    [[rule]]
    name = "sponsor_line"             # optional; the audit shows it as rule "user:sponsor_line"
    category = "ad_slot"              # one of CATEGORIES: the reason a removal is reported under
    pattern = "^Sponsored by .*$"     # a regular expression, searched in the line (case-insensitive)
    language = "en"                   # optional: a code or a list of codes
    site = "example.com"              # optional: a domain or a list; subdomains match too
    max_words = 12                    # optional: longer lines are left alone

    [allow]
    lines = ["Share your thoughts with us below."]   # compared ignoring case, spacing and punctuation
    patterns = ["^Advertisement feature:"]           # searched like a rule's pattern

The loaded rules are a frozen, picklable value carried by :class:`~cleaner.config.Config`,
so forked workers see them and the checkpoint fingerprint covers their content.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .rules import RULES, line_key
from .text import normalized, tokens

# share_widget and timestamp are recognised by vocabulary, not by a LineRule, but they are
# reasons a user may want to file a line under all the same.
CATEGORIES = frozenset({r.category for r in RULES} | {"share_widget", "timestamp"})

_RULE_KEYS = ("name", "category", "pattern", "language", "site", "max_words")
_ALLOW_KEYS = ("lines", "patterns")
_NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")

# A few common words per language, enough to tell the seven languages the rules know apart
# on a news page when the record carries no language of its own.
_LANGUAGE_WORDS = {
    "en": "the and of to is that with was for are this have from they were will has said which",
    "fr": "le les et des est une pour dans qui sur pas au du avec ce sont mais nous vous cette aux",
    "de": "der die und das ist nicht ein eine zu den mit sich auf für von dem im auch wird wurde",
    "es": "el los las y del por una con para es lo como más pero su al fue está muy",
    "it": "il che di e per non una sono della con gli anche come più nel alla questo è ha dei",
    "pt": "o não uma para com os da do em é por mais como ao foi são está às também",
    "nl": "het een en van is dat niet op te met voor zijn er maar ook aan bij wordt werd",
}
_WORD_SETS = {lang: frozenset(words.split()) for lang, words in _LANGUAGE_WORDS.items()}
GUESSED_LANGUAGES = tuple(_LANGUAGE_WORDS)
_GUESS_WORDS = 2000
_GUESS_MIN_HITS = 3


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class UserRule:
    name: str
    category: str
    pattern: re.Pattern
    languages: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    max_words: int | None = None

    @property
    def rule(self) -> str:
        """What the audit's ``rule`` field says, kept apart from the built-in names."""
        return "user:" + self.name

    def applies_to(self, language: str | None, host: str | None) -> bool:
        if self.languages and language not in self.languages:
            return False
        return not self.sites or bool(host and any(host == s or host.endswith("." + s) for s in self.sites))

    def as_dict(self) -> dict:
        out: dict = {"name": self.name, "category": self.category, "pattern": self.pattern.pattern}
        if self.languages:
            out["language"] = list(self.languages)
        if self.sites:
            out["site"] = list(self.sites)
        if self.max_words is not None:
            out["max_words"] = self.max_words
        return out


@dataclass(frozen=True)
class UserRules:
    source: str
    rules: tuple[UserRule, ...] = ()
    allow_lines: frozenset[str] = frozenset()
    allow_patterns: tuple[re.Pattern, ...] = ()

    def as_dict(self) -> dict:
        """The rules as data: printed by ``cleaner config``, part of the resume fingerprint."""
        return {
            "file": self.source,
            "rule": [r.as_dict() for r in self.rules],
            "allow": {"lines": sorted(self.allow_lines), "patterns": [p.pattern for p in self.allow_patterns]},
        }

    def for_document(self, metadata: Mapping | None, text: str) -> tuple[int, ...]:
        """Indices of the rules that apply to a document with this metadata and text."""
        if not self.rules:
            return ()
        metadata = metadata or {}
        host = document_host(metadata)
        language = None
        if any(r.languages for r in self.rules):
            language = document_language(metadata, text)
        return tuple(i for i, r in enumerate(self.rules) if r.applies_to(language, host))

    def select(self, indices: tuple[int, ...]) -> tuple[UserRule, ...]:
        return tuple(self.rules[i] for i in indices)

    def allows(self, line: str) -> bool:
        if not (self.allow_lines or self.allow_patterns):
            return False
        if self.allow_lines and normalized(line) in self.allow_lines:
            return True
        if not self.allow_patterns:
            return False
        views = _views(line)
        return any(_search(p, views) for p in self.allow_patterns)


def match_user(rules: tuple[UserRule, ...], text: str, words: int) -> tuple[str, str] | None:
    """The (category, rule) of the first user rule that matches the line, in file order."""
    views = _views(text)  # once per line, not once per rule
    for r in rules:
        if (r.max_words is None or words <= r.max_words) and _search(r.pattern, views):
            return r.category, r.rule
    return None


def _views(line: str) -> tuple[str, str]:
    # The line as written, and as the built-in rules see it (no bullets, no closing
    # punctuation): "• Sponsored by Acme." matches "^Sponsored by Acme$" as well.
    stripped = line.strip()
    return stripped, line_key(stripped)


def _search(pattern: re.Pattern, views: tuple[str, str]) -> bool:
    return any(pattern.search(v) is not None for v in views)


def document_host(metadata: Mapping) -> str | None:
    """The site of a document: the host of its ``url``, or its ``domain`` field, without ``www.``."""
    host = None
    url = metadata.get("url")
    if isinstance(url, str) and url:
        try:
            host = urlsplit(url if "//" in url else "//" + url).hostname
        except ValueError:
            host = None
    if not host and isinstance(metadata.get("domain"), str):
        host = metadata["domain"].strip().lower()
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def document_language(metadata: Mapping, text: str) -> str | None:
    """The record's ``language`` or ``lang`` field (primary subtag), else a guess from common words."""
    for key in ("language", "lang"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower().replace("_", "-").split("-")[0]
    counts = dict.fromkeys(_WORD_SETS, 0)
    for word in tokens(text[: _GUESS_WORDS * 12])[:_GUESS_WORDS]:
        for lang, words in _WORD_SETS.items():
            if word in words:
                counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], GUESSED_LANGUAGES.index(kv[0])))
    (best, hits), (_, second) = ranked[0], ranked[1]
    return best if hits >= _GUESS_MIN_HITS and hits > second else None


def load_rules(path: str | os.PathLike) -> UserRules:
    """Read and validate a rules file; every error names the file (and the rule)."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise RulesError(f"cannot read rules file {source}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc
    return parse_rules(data, source)


def parse_rules(data: Mapping, source: str = "<rules>") -> UserRules:
    """Build rules from the TOML shape (``rule`` array, ``allow`` table); ``file`` is accepted
    so that :meth:`UserRules.as_dict` reads back."""
    for key in data:
        if key not in ("rule", "allow", "file"):
            raise RulesError(f"{source}: unknown key {key!r} (known: rule, allow)")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RulesError(f"{source}: 'rule' must be an array of tables ([[rule]])")
    rules: list[UserRule] = []
    names: set[str] = set()
    for n, raw in enumerate(raw_rules, start=1):
        rule = _parse_rule(raw, n, source)
        if rule.name in names:
            raise RulesError(f"{source}: rule {n}: name {rule.name!r} is used by an earlier rule")
        names.add(rule.name)
        rules.append(rule)
    keys, patterns = _parse_allow(data.get("allow", {}), source)
    return UserRules(source=source, rules=tuple(rules), allow_lines=keys, allow_patterns=patterns)


def _parse_allow(allow, source: str) -> tuple[frozenset[str], tuple[re.Pattern, ...]]:
    """The [allow] table: normalised lines, and compiled patterns."""
    if not isinstance(allow, Mapping):
        raise RulesError(f"{source}: 'allow' must be a table ([allow])")
    for key in allow:
        if key not in _ALLOW_KEYS:
            raise RulesError(f"{source}: [allow]: unknown key {key!r} (known: {', '.join(_ALLOW_KEYS)})")
    lines = allow.get("lines", [])
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise RulesError(f"{source}: [allow] lines must be a list of strings")
    keys = set()
    for line in lines:
        key = normalized(line)
        if not key:
            raise RulesError(f"{source}: [allow] line {line!r} has no words to compare")
        keys.add(key)
    patterns = allow.get("patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(x, str) for x in patterns):
        raise RulesError(f"{source}: [allow] patterns must be a list of strings")
    return frozenset(keys), tuple(_compile(p, f"{source}: [allow] pattern {p!r}") for p in patterns)


def _parse_rule(raw, n: int, source: str) -> UserRule:
    where = f"{source}: rule {n}"
    if not isinstance(raw, Mapping):
        raise RulesError(f"{where}: must be a table ([[rule]])")
    name = raw.get("name", f"rule{n}")
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise RulesError(f"{where}: name must be letters, digits, '_', '.' or '-', got {name!r}")
    where = f"{source}: rule {n} ({name})"
    for key in raw:
        if key not in _RULE_KEYS:
            raise RulesError(f"{where}: unknown key {key!r} (known: {', '.join(_RULE_KEYS)})")
    category = raw.get("category")
    if category is None:
        raise RulesError(f"{where}: 'category' is missing (one of: {', '.join(sorted(CATEGORIES))})")
    if category not in CATEGORIES:
        raise RulesError(f"{where}: unknown category {category!r} (one of: {', '.join(sorted(CATEGORIES))})")
    compiled = _rule_pattern(raw.get("pattern"), where)
    languages = _string_list(raw.get("language"), f"{where}: language")
    for lang in languages:
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise RulesError(f"{where}: language must be a code like 'en' or 'fr', got {lang!r}")
    sites = [_site(site, where) for site in _string_list(raw.get("site"), f"{where}: site")]
    max_words = raw.get("max_words")
    if max_words is not None and (not isinstance(max_words, int) or isinstance(max_words, bool) or max_words < 1):
        raise RulesError(f"{where}: max_words must be a positive integer, got {max_words!r}")
    return UserRule(name, category, compiled, tuple(languages), tuple(sites), max_words)


def _rule_pattern(pattern, where: str) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise RulesError(f"{where}: 'pattern' must be a non-empty string")
    compiled = _compile(pattern, f"{where}: pattern {pattern!r}")
    if compiled.search("") is not None:
        raise RulesError(f"{where}: pattern {pattern!r} matches an empty line, so it would match every line")
    return compiled


def _site(site: str, where: str) -> str:
    """A site as rules compare it: the domain without ``www.``."""
    domain = site[4:] if site.startswith("www.") else site
    if not re.fullmatch(r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)+", domain):
        raise RulesError(f"{where}: site must be a domain like 'example.com', got {site!r}")
    return domain


def _string_list(value, where: str) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise RulesError(f"{where} must be a string or a list of strings, got {value!r}")
    return [v.strip().lower() for v in values]


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{where} does not compile: {exc}") from exc
