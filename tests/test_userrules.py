"""User rules (``--rules FILE``): extra patterns per category, language and site, and an allow-list."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest
from conftest import GOLDEN, read_jsonl

from cleaner import Cleaner, Config
from cleaner.io.readers import read_inputs
from cleaner.run.checkpoint import fingerprint
from cleaner.strip.userrules import RulesError, document_language, load_rules

POLL_DOC = "003_cbce8088dc97cb93"
TWEET_DOC = "001_7a68198932852521"
BI_DOC = "004_24fd8f660d9764e9"
HIGHLIGHTS = "Here are five highlights from the session."
FRENCH_DOC = "002_7964a669a5581a1c"


def _write(tmp_path, text: str, name: str = "rules.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _golden(config: Config) -> dict:
    results = list(Cleaner(config).run(read_inputs([str(GOLDEN / "input")], config)))
    return {r.id: r for r in results}


def _audit(result) -> dict[int, tuple[str, str]]:
    return {r.line: (r.reason, r.rule) for r in result.removals}


def test_user_rule_removes_a_line_the_built_in_rules_keep(tmp_path):
    rules = _write(tmp_path, """
[[rule]]
name = "highlights_teaser"
category = "cta"
pattern = '^Here are \\w+ highlights from the session$'
""")
    before = _golden(Config())
    after = _golden(Config(rules=str(rules)))
    body_before = before[BI_DOC].body.split("\n\n")
    body_after = after[BI_DOC].body.split("\n\n")
    assert HIGHLIGHTS in body_before
    assert HIGHLIGHTS not in body_after
    assert [p for p in body_before if p != HIGHLIGHTS] == body_after
    assert _audit(after[BI_DOC])[22] == ("cta", "user:highlights_teaser")
    # Nothing else moved anywhere in the golden set.
    for doc_id, r in before.items():
        extra = [x for x in after[doc_id].removals if x.rule.startswith("user:")]
        assert [(x.doc_id, x.line) for x in extra] == ([(BI_DOC, 22)] if doc_id == BI_DOC else [])
        if doc_id != BI_DOC:
            assert r.to_json() == after[doc_id].to_json()


def test_allow_listed_line_survives_a_built_in_rule(tmp_path):
    rules = _write(tmp_path, """
[allow]
lines = ["advertisement", "SUMMARY"]
patterns = ["^Connecting to poll"]
""")
    golden_before, golden_after = _golden(Config()), _golden(Config(rules=str(rules)))
    assert _audit(golden_before[TWEET_DOC])[2] == ("curation_header", "curation_header")
    assert "Summary" in golden_after[TWEET_DOC].body.split("\n\n") and 2 not in _audit(golden_after[TWEET_DOC])
    before, after = golden_before[POLL_DOC], golden_after[POLL_DOC]
    # Built in, "Advertisement" is an ad slot and "Connecting to poll..." goes with the poll.
    assert _audit(before)[10] == ("ad_slot", "ad_label")
    assert _audit(before)[20][0] == "poll"
    assert "Advertisement" not in before.body.split("\n\n")
    body = after.body.split("\n\n")
    assert body.count("Advertisement") == 3  # lines 10, 13, 16, matched ignoring case
    assert "Connecting to poll..." in body
    assert {10, 13, 16, 20}.isdisjoint(_audit(after))
    # The allow-list spares those lines only: "In-Article Ad" and the poll header still go.
    assert _audit(after)[11] == ("ad_slot", "ad_label")
    assert _audit(after)[18] == ("poll", "poll_header")


def _furniture_docs() -> list[dict]:
    topics = ["river flood", "city budget", "rail strike", "school reform", "harbour fire", "election count"]
    docs = []
    for i, topic in enumerate(topics):
        docs.append({"id": f"n{i}", "text": "\n".join([
            f"Officials gave an update on the {topic} late on day {i} of the week.",
            "Newsroom desk picks",
            f"The {topic} story number {i} continues with more local detail and quotes from residents {i * 7}.",
        ])})
    return docs


def test_allow_listed_line_survives_the_corpus_furniture_pass(tmp_path):
    docs = _furniture_docs()
    plain = list(Cleaner(Config()).run(docs))
    assert all("Newsroom desk picks" not in r.body for r in plain)
    assert all(any(x.reason == "site_furniture" and x.text == "Newsroom desk picks" for x in r.removals) for r in plain)
    rules = _write(tmp_path, '[allow]\nlines = ["Newsroom Desk Picks!"]\n')
    allowed = list(Cleaner(Config(rules=str(rules))).run(docs))
    assert all("Newsroom desk picks" in r.body.split("\n\n") for r in allowed)
    assert not any(x.reason == "site_furniture" for r in allowed for x in r.removals)


def test_language_and_site_limit_a_rule(tmp_path):
    rules = _write(tmp_path, """
[[rule]]
name = "french_only"
category = "cta"
pattern = "^Il y a un certain nombre de choses"
language = "fr"

[[rule]]
name = "english_only"
category = "cta"
pattern = "^Il y a un certain nombre de choses"
language = ["en", "de"]

[[rule]]
name = "partner_site"
category = "ad_slot"
pattern = "^Brought to you by"
site = "example.com"
""")
    cfg = Config(rules=str(rules))
    golden = _golden(cfg)
    assert _audit(golden[FRENCH_DOC])[7] == ("cta", "user:french_only")
    assert not any(x.rule == "user:english_only" for r in golden.values() for x in r.removals)
    assert document_language({}, (GOLDEN / "input" / f"{FRENCH_DOC}.txt").read_text(encoding="utf-8")) == "fr"
    assert document_language({"lang": "de-AT"}, "the and of") == "de"
    text = "Storm hits the coast overnight and floods the town.\nBrought to you by Acme Umbrellas\nMore rain is due."
    records = [{"id": "a", "text": text, "url": "https://news.example.com/storm"},
               {"id": "b", "text": text, "url": "https://example.org/storm"},
               {"id": "c", "text": text, "domain": "www.example.com"}]
    out = {r.id: r for r in Cleaner(cfg).run(records)}
    assert "Brought to you by" not in out["a"].body and "Brought to you by" not in out["c"].body
    assert any(x.rule == "user:partner_site" for x in out["a"].removals)
    assert not any(x.rule == "user:partner_site" for x in out["b"].removals)


def test_rules_reach_forked_workers_and_the_fingerprint(tmp_path):
    rules = _write(tmp_path, '[[rule]]\ncategory = "cta"\npattern = "^Here are five highlights"\n')
    cfg = Config(rules=str(rules))
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    records = list(read_inputs([str(GOLDEN / "input")], cfg)) * 3
    for workers in (1, 2):
        results = list(Cleaner(cfg, workers=workers).run(records))
        assert sum(x.rule == "user:rule1" for r in results for x in r.removals) == 3
    printed = fingerprint(cfg.as_dict(), [])
    assert printed != fingerprint(Config().as_dict(), [])
    rules.write_text('[[rule]]\ncategory = "cta"\npattern = "^Here are six highlights"\n', encoding="utf-8")
    assert fingerprint(Config(rules=str(rules)).as_dict(), []) != printed
    # as_dict is plain data (for `cleaner config` and OUT.run.json) and builds the same Config back.
    data = json.loads(json.dumps(cfg.as_dict()))
    assert Config(**data).rules.as_dict() == cfg.rules.as_dict()


@pytest.mark.parametrize("text, message", [
    ('[[rule]]\nname = "x"\ncategory = "adslot"\npattern = "^Ad$"\n', "rule 1 (x): unknown category 'adslot'"),
    ('[[rule]]\ncategory = "ad_slot"\npattern = "^Ad$"\n[[rule]]\nname = "bad"\ncategory = "ad_slot"\npattern = "^(Ad$"\n',
     "rule 2 (bad): pattern '^(Ad$' does not compile: missing ), unterminated subpattern"),
    ('[[rule]]\ncategory = "ad_slot"\npattern = "x*"\n', "rule 1 (rule1): pattern 'x*' matches an empty line"),
    ('[[rule]]\ncategory = "ad_slot"\n', "rule 1 (rule1): 'pattern' must be a non-empty string"),
    ('[[rule]]\ncategory = "ad_slot"\npattern = "^Ad$"\nlanguage = "English"\n', "language must be a code like 'en'"),
    ('[[rule]]\ncategory = "ad_slot"\npattern = "^Ad$"\nsite = "https://example.com/"\n', "site must be a domain"),
    ('[[rule]]\ncategory = "ad_slot"\npattern = "^Ad$"\nwords = 3\n', "rule 1 (rule1): unknown key 'words'"),
    ('[allow]\nlines = ["..."]\n', "[allow] line '...' has no words"),
    ('[allow]\npatterns = ["[a-"]\n', "[allow] pattern '[a-' does not compile"),
    ('[rules]\n', "unknown key 'rules'"),
    ('[[rule]\n', "not valid TOML"),
])
def test_invalid_rules_name_the_file_and_the_rule(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_cli_rules_option_and_config_key(tmp_path, cli):
    rules = _write(tmp_path, '[[rule]]\nname = "highlights"\ncategory = "cta"\npattern = "^Here are five highlights"\n')
    out, explain = tmp_path / "out.jsonl", tmp_path / "explain.jsonl"
    result = cli("run", GOLDEN / "input", "-o", out, "--explain", explain, "--rules", rules, "-q")
    assert result.exit_code == 0, result.output
    audit = [{k: v for k, v in r.items() if k != "score"} for r in read_jsonl(explain)]
    assert {"id": BI_DOC, "line": 22, "reason": "cta", "rule": "user:highlights", "text": HIGHLIGHTS} in audit
    ran = json.loads((tmp_path / "out.jsonl.run.json").read_text(encoding="utf-8"))
    assert ran["config"]["rules"]["rule"][0]["name"] == "highlights"
    # In a config file, a relative path is read beside the config file.
    (tmp_path / "conf").mkdir()
    _write(tmp_path / "conf", '[allow]\nlines = ["Summary"]\n', "mine.toml")
    _write(tmp_path / "conf", 'rules = "mine.toml"\n', "cleaner.toml")
    result = cli("config", "--config", tmp_path / "conf" / "cleaner.toml")
    assert json.loads(result.output)["rules"]["allow"]["lines"] == ["summary"]
    bad = _write(tmp_path, '[[rule]]\ncategory = "nope"\npattern = "^x$"\n', "bad.toml")
    result = CliRunnerNoCatch().invoke("run", GOLDEN / "input", "--rules", bad)
    assert result.exit_code == 2
    assert f"{bad}: rule 1 (rule1): unknown category 'nope'" in result.output


class CliRunnerNoCatch:
    """Usage errors exit with 2 through click's SystemExit; the runner reports it."""

    def invoke(self, *args):
        from click.testing import CliRunner

        from cleaner.cli import main

        return CliRunner().invoke(main, [str(a) for a in args])


def test_rules_test_reports_what_changed_on_the_golden_set(tmp_path, cli):
    rules = _write(tmp_path, """
[[rule]]
name = "highlights"
category = "cta"
pattern = '^Here are \\w+ highlights'

[[rule]]
name = "never"
category = "footer"
pattern = '^No golden line says this$'

[allow]
lines = ["Advertisement"]
""")
    result = cli("rules", "test", rules)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert out[0] == f"rules {rules} on 5 golden documents"
    assert "newly removed: 1" in out
    assert f"  {BI_DOC}:22  kept -> cta/user:highlights  {HIGHLIGHTS!r}" in out
    assert "newly kept: 3" in out
    for line in (10, 13, 16):
        assert f"  {POLL_DOC}:{line}  ad_slot/ad_label -> kept  'Advertisement'" in out
    assert "removed differently: 0" in out
    assert "allow-listed lines in the golden set: 3" in out
    assert "rule highlights: 1 line" in out
    assert "rule never: 0 lines  (matched nothing in the golden set)" in out
    # Another golden folder: one seed only.
    (tmp_path / "g" / "input").mkdir(parents=True)
    shutil.copy(GOLDEN / "input" / f"{POLL_DOC}.txt", tmp_path / "g" / "input")
    result = cli("rules", "test", rules, "--golden", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert "on 1 golden documents" in result.output and "newly removed: 0" in result.output
    assert "newly kept: 3" in result.output


def test_rules_test_fails_on_a_rule_that_does_not_compile(tmp_path):
    rules = _write(tmp_path, '[[rule]]\nname = "broken"\ncategory = "ad_slot"\npattern = "^(Sponsored"\n')
    result = CliRunnerNoCatch().invoke("rules", "test", rules)
    assert result.exit_code == 2
    assert f"{rules}: rule 1 (broken): pattern '^(Sponsored' does not compile" in result.output


def test_allow_list_does_not_protect_a_copy_from_dedup(tmp_path):
    shared = "Share your thoughts with us below, and tell our newsroom what the council should do about the flooding"
    docs = [{"id": "a", "text": f"The river rose two metres overnight and closed the old bridge to traffic.\n{shared}"},
            {"id": "b", "text": f"Schools stayed shut on Monday while crews pumped water out of the basements.\n{shared}"}]
    rules = _write(tmp_path, f'[allow]\nlines = ["{shared}"]\n')
    out = {r.id: r for r in Cleaner(Config(rules=str(rules))).run(docs)}
    assert shared in out["a"].body.split("\n\n")
    assert shared not in out["b"].body
    assert [(x.reason, x.kept_id, x.kept_line) for x in out["b"].removals] == [("near_duplicate", "a", 2)]
