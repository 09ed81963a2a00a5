"""The HTML path: the pre-pass, the page's blocks beside trafilatura's, the block model, the audit, and the quality gates."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import Cleaner, Config, Document
from cleaner.io.html import extract, parse, prepass

PAGE = """<!doctype html><html><head><title>Harbour bridge reopens after repairs</title></head><body>
<header><nav class="site-nav">Home | World | Sport</nav></header>
<main><article>
<h1>Harbour bridge reopens after repairs</h1>
<div class="share-bar"><a href="#">Share</a><a href="#">Tweet</a><a href="#">Copy link</a></div>
<p>The harbour bridge reopened to traffic on Monday morning after eight months of repairs to its steel deck,
the city council said in a statement.</p>
<p>Engineers replaced more than four hundred rusted plates and repainted the whole span, work that cost
twelve million euros and ran two months over schedule.</p>
<div class="ad-slot"><span>Advertisement</span></div>
<p>Commuters had faced detours of up to forty minutes while the bridge was shut, and local shops on the
waterfront reported a sharp fall in trade over the winter.</p>
<p>The council will share the final inspection report with residents next week, a spokeswoman added.</p>
<aside class="related-stories"><h3>Related</h3><ul>
<li><a href="/a">Ferry timetable changes for the summer season</a></li>
<li><a href="/b">New cycle lanes planned along the waterfront</a></li></ul></aside>
<div id="newsletter-signup">Sign up for our daily briefing</div>
</article></main>
<footer class="site-footer">© 2024 Harbour Times. All rights reserved.</footer>
</body></html>"""


def _prepassed(page):
    import lxml.html

    tree = parse(page)
    related, removed = prepass(tree)
    return lxml.html.tostring(tree, encoding="unicode"), related, removed


def test_prepass_removes_named_containers_and_keeps_related_links():
    cleaned, related, _ = _prepassed(PAGE)
    assert "Tweet" not in cleaned and "Advertisement" not in cleaned and "daily briefing" not in cleaned
    assert related == ["Ferry timetable changes for the summer season", "New cycle lanes planned along the waterfront"]
    assert "will share the final inspection report" in cleaned


def test_a_container_holding_the_article_is_never_removed_by_name():
    page = PAGE.replace("<main><article>", '<main><div class="social-article">').replace("</article></main>", "</div></main>")
    cleaned, _, _ = _prepassed(page)
    assert "Engineers replaced more than four hundred rusted plates" in cleaned


def test_block_structure_survives_extraction():
    text = extract(PAGE).text
    lines = [line for line in text.split("\n") if line.strip()]
    assert any(line.startswith("The harbour bridge reopened") for line in lines)
    assert any(line.startswith("Engineers replaced") for line in lines)
    assert len(lines) >= 4


def test_html_document_through_the_whole_pipeline():
    (result,) = list(Cleaner().run([Document(id="p", text="", html=PAGE, metadata={"url": "https://h.test/x"})]))
    assert result.title == "Harbour bridge reopens after repairs"
    assert "The council will share the final inspection report with residents next week" in result.body
    for gone in ("Advertisement", "Sign up", "©", "Copy link", "Home | World"):
        assert gone not in result.body
    assert [r["text"] for r in result.related] == [
        "Ferry timetable changes for the summer season", "New cycle lanes planned along the waterfront"]
    assert result.metadata["url"] == "https://h.test/x"


def test_pathological_page_is_rejected_on_the_time_limit():
    # 60,000 unclosed blocks of text (several MB): extraction takes seconds, the limit is 10 ms.
    deep = "<html><body>" + "<div><p>Word salad line number one. " * 60000 + "</p></div>" * 60000 + "</body></html>"
    cleaner = Cleaner(Config(doc_time_limit=0.01))
    (item,) = list(cleaner.run([Document(id="deep", text="", html=deep)]))
    assert item.reason == "time_limit" and item.id == "deep"
    assert cleaner.stats.rejected == 1 and cleaner.stats.balanced()


@pytest.fixture(scope="module")
def fundus_summary():
    """benchmarks/html_quality.py's own evaluation: the numbers the README quotes."""
    from benchmarks import html_quality
    summary, _ = html_quality.evaluate()
    return summary


def _meets_the_targets(ours: dict, alone: dict) -> None:
    """Issue 16's targets against trafilatura alone on the same pages."""
    assert ours["f1"] >= alone["f1"] + 0.01, (ours["f1"], alone["f1"])
    assert ours["recall"] >= alone["recall"] - 0.002, (ours["recall"], alone["recall"])


def test_fundus80_above_trafilatura_with_half_its_leaks(fundus_summary):
    ours, alone = fundus_summary["cleaner"], fundus_summary["trafilatura"]
    _meets_the_targets(ours, alone)
    assert ours["leaked_lines"] <= alone["leaked_lines"] / 2, (ours["leaks"], alone["leaks"])


def test_fundus80_score_floor(fundus_summary):
    # Measured 0.9599 precision, 0.9801 recall, 6 leaked lines (benchmarks/results/html_quality.md),
    # then 7 with the linear dedup (issue 15): two photo captions of one template ("X at the
    # 2024 Brit Awards Credit: ...") are no longer merged as copies, so one more credit line
    # stays. A change that makes any of them worse than this floor fails.
    ours = fundus_summary["cleaner"]
    assert ours["precision"] >= 0.955 and ours["recall"] >= 0.978, ours
    assert ours["leaked_lines"] <= 7, ours["leaks"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wcxb-heldout", "fundus-heldout"])
def test_held_out_sites_above_trafilatura(name):
    # Sites held out of the block model's training (benchmarks/linemodel/data.split_of).
    from benchmarks import html_quality
    if not (html_quality.SHARED / "wcxb-dev").exists():
        pytest.skip("shared data not beside the checkout")
    summary, _ = html_quality.evaluate(name)
    _meets_the_targets(summary["cleaner"], summary["trafilatura"])


# Real pages (tests/data/html/README.md: sources and licences).
HTML_DATA = Path(__file__).parent / "data" / "html"


def _page(name: str) -> str:
    return gzip.decompress((HTML_DATA / name).read_bytes()).decode("utf-8", "replace")


def _run(html: str):
    (result,) = list(Cleaner().run([Document(id="p", text="", html=html)]))
    return result


def test_every_line_of_an_html_page_is_accounted_for_in_the_audit():
    # The cookie banner, navigation and share bar the pre-pass takes out are removals like any other.
    result = _run(_page("wcxb-0343-uschamber.html.gz"))
    by_line = {r.line for r in result.removals}
    body = set(result.body.split("\n\n"))
    related = {r["text"] for r in result.related}
    lines = result.source_text.split("\n")
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line and line != result.title:
            assert number in by_line or line in body or line in related, (number, line)
    assert result.metadata["cleaner"]["removed"] == len(result.removals)
    rules = {r.rule for r in result.removals}
    assert {"container:cookie", "container:share", "outside_main_content"} <= rules, rules
    for gone in ("cookie", "Share"):
        assert not any(gone in p for p in body if len(p.split()) < 8), gone


def test_code_lines_of_a_technical_page_are_not_judged_as_prose():
    # A closing brace is a line of code, not noise; a box-drawing table rule is part of its table.
    for name, lines in (("readability-v8-blog.html.gz", ("}", ")")), ("readability-toc-missing.html.gz", ("────",))):
        result = _run(_page(name))
        body = result.body.split("\n\n")
        for line in lines:
            assert any(p.startswith(line) for p in body), (name, line)
        assert not [r for r in result.removals if r.reason == "noise"], name


def test_a_hard_wrapped_paragraph_is_one_passage():
    import lxml.html

    html = _page("readability-salon-1.html.gz")
    body = _run(html).body.split("\n\n")
    wrapped = [" ".join(p.text_content().split()) for p in lxml.html.fromstring(html).iter("p")
               if "\n" in p.text_content().strip() and len(p.text_content().split()) >= 20]
    found = [w for w in wrapped if any(w[:60] in b for b in body)]
    assert len(found) >= 10, len(found)
    assert all(w in body for w in found), [w[:60] for w in found if w not in body]


def test_block_model_inference_needs_no_scikit_learn():
    code = ("import sys; from cleaner.strip.blockmodel import shipped_model; m = shipped_model(); "
            "print(m is not None and 'sklearn' not in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_page_carries_its_extraction_route_and_confidence():
    result = _run(_page("wcxb-0343-uschamber.html.gz"))
    extraction = result.metadata["cleaner"]["extraction"]
    assert extraction["route"] == "extraction" and 0.0 <= extraction["confidence"] <= 1.0


def test_the_cuts_decide_what_the_model_changes():
    # Recall first: with cuts it can never reach, the model changes nothing the extraction decided;
    # with the shipped cuts it only removes lines it is sure of and takes back lines it is sure of.
    from cleaner.strip.blockmodel import MODEL_REMOVAL, BlockModel, prune, shipped_model

    html = _page("wcxb-0343-uschamber.html.gz")
    shipped = shipped_model()
    assert shipped is not None and shipped.remove_at > 0.5 > shipped.rescue_at
    never = BlockModel(shipped.ensemble, remove_at=1.01, rescue_at=-0.01)
    before = extract(html)
    untouched = dict(before.removed)
    prune(before, never)
    assert before.removed == untouched
    after = extract(html)
    prune(after, shipped)
    changed = {line for line in set(untouched) | set(after.removed) if untouched.get(line) != after.removed.get(line)}
    assert all(after.removed.get(line) in (None, MODEL_REMOVAL) for line in changed)


def test_prose_the_extraction_dropped_comes_back():
    # trafilatura keeps only the first part of this guide (wcxb 0061, a site of the training split);
    # its later sections are paragraphs of prose and headings in the article's own container.
    html = _page("wcxb-0061-cuboh.html.gz")
    gone = "By understanding and applying these recommended tipping practices"
    import trafilatura
    assert gone not in (trafilatura.extract(html, deduplicate=False, include_tables=True) or "")
    result = _run(html)
    assert gone in result.body and "Tipping for Takeout and Delivery" in result.body
    assert not [r for r in result.removals if r.rule == "block_model" and len(r.text.split()) >= 25]


def test_prose_in_a_container_named_as_furniture_comes_back():
    # The page's own sections sit in a container named "hrsa-promoted-blocks" (wcxb 0251, a site of
    # the training split): the pre-pass removes it by name, the block model takes its prose back.
    html = _page("wcxb-0251-hrsa.html.gz")
    prose = "Good oral health is an important part of managing HIV and your overall health."
    named = extract(html)
    assert any(named.removed.get(i) == ("html_furniture", "container:promoted")
               for i, line in enumerate(named.text.split("\n")) if line.startswith(prose))
    assert prose in _run(html).body
