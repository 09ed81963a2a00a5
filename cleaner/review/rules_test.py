"""``cleaner rules test``: what a rules file changes on the golden set, line by line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Config
from ..document import Result
from ..io.readers import read_inputs
from ..run.pipeline import Cleaner
from .page import DocView, views_from_results


def default_golden() -> Path | None:
    """The repository's golden inputs, when cleaner runs from a checkout (an editable install)."""
    here = Path(__file__).resolve().parents[2] / "golden" / "input"
    return here if here.is_dir() else None


def golden_inputs(folder: str | Path) -> Path:
    """A golden folder (holding ``input/``) or the input folder itself."""
    folder = Path(folder)
    return folder / "input" if (folder / "input").is_dir() else folder


@dataclass
class LineChange:
    doc_id: str
    line: int
    text: str
    before: str  # "kept", or the reasons and rules that removed (part of) it
    after: str


@dataclass
class RulesReport:
    documents: int
    newly_removed: list[LineChange] = field(default_factory=list)
    newly_kept: list[LineChange] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)
    rule_hits: Counter = field(default_factory=Counter)
    allowed_lines: int = 0

    def lines(self, rules_names: list[str], source: str) -> list[str]:
        out = [f"rules {source} on {self.documents} golden documents"]
        for title, changes in (("newly removed", self.newly_removed), ("newly kept", self.newly_kept),
                               ("removed differently", self.changed)):
            out.append(f"{title}: {len(changes)}")
            for c in changes:
                shown = c.text if len(c.text) <= 100 else c.text[:100] + "…"
                out.append(f"  {c.doc_id}:{c.line}  {c.before} -> {c.after}  {shown!r}")
        out.append(f"allow-listed lines in the golden set: {self.allowed_lines}")
        for name in rules_names:
            hits = self.rule_hits.get("user:" + name, 0)
            out.append(f"rule {name}: {hits} line{'s' if hits != 1 else ''}"
                       + ("  (matched nothing in the golden set)" if not hits else ""))
        return out


def _fates(view: DocView) -> dict[int, tuple[bool, str, str]]:
    """Per input line: whether any of it is kept, what removed what, and the line's text."""
    out = {}
    for number, segments in view.lines:
        kept = any(isinstance(s, str) and s.strip() for s in segments)
        removed = sorted({f"{view.removals[s[1]].reason}/{view.removals[s[1]].rule}" for s in segments
                          if isinstance(s, list)})
        text = "".join(s if isinstance(s, str) else s[0] for s in segments)
        out[number] = (kept, ", ".join(removed), text)
    return out


def _views(inputs: Path, config: Config) -> dict[str, DocView]:
    results = [r for r in Cleaner(config).run(read_inputs([str(inputs)], config)) if isinstance(r, Result)]
    return {v.id: v for v in views_from_results(results)}


def compare_rules(config: Config, inputs: Path) -> RulesReport:
    """Run ``inputs`` with and without ``config.rules`` and report every line whose fate changed."""
    with_rules = _views(inputs, config)
    without = _views(inputs, replace(config, rules=None))
    report = RulesReport(documents=len(with_rules))
    for doc_id, after_view in with_rules.items():
        before = _fates(without[doc_id]) if doc_id in without else {}
        after = _fates(after_view)
        for number, (kept, removed, text) in after.items():
            if config.rules is not None and config.rules.allows(text):
                report.allowed_lines += 1
            was_kept, was_removed, _ = before.get(number, (True, "", text))
            if (was_kept, was_removed) == (kept, removed):
                continue
            change = LineChange(doc_id, number, text, _describe(was_kept, was_removed), _describe(kept, removed))
            if was_kept and not kept:
                report.newly_removed.append(change)
            elif kept and not was_kept:
                report.newly_kept.append(change)
            else:
                report.changed.append(change)
        for r in after_view.removals:
            if r.rule.startswith("user:"):
                report.rule_hits[r.rule] += 1
    return report


def _describe(kept: bool, removed: str) -> str:
    if kept and removed:
        return f"kept, cut {removed}"
    return "kept" if kept else removed
