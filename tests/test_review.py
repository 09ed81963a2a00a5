"""The review page (``cleaner review``): built from the real pipeline's results, checked as
data, and opened in headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT, read_jsonl

CHROMIUM = os.environ.get("CLEANER_CHROMIUM", "/usr/bin/chromium")  # Debian's package
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "docs" / "review.png"
TARGET = re.compile(r"\btarget\b")


def page_data(path: Path) -> dict:
    """The JSON the page embeds, read back the way the page's script reads it."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert m, "no embedded data"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def golden_page(tmp_path_factory):
    from click.testing import CliRunner

    from cleaner.cli import main

    path = tmp_path_factory.mktemp("review") / "report.html"
    # A relative input path: the page names its inputs, and the screenshot should not
    # change with the folder the repository is checked out in.
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, ["review", "golden/input", "-o", str(path)], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return path


def test_page_is_self_contained(golden_page):
    text = golden_page.read_text(encoding="utf-8")
    assert "default-src 'none'" in text  # the browser may fetch nothing at all
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", text, re.I)
    assert not re.search(r"\bsrc\s*=", text, re.I)
    assert len(re.findall(r"<script\b", text)) == 2  # the JSON data and the inline script


def test_page_accounts_for_every_line_of_the_golden_audit(golden_page):
    data = page_data(golden_page)
    audit = read_jsonl(GOLDEN / "expected" / "explain.jsonl")
    output = {r["id"]: r for r in read_jsonl(GOLDEN / "expected" / "output.jsonl")}
    docs = {d["id"]: d for d in data["docs"]}
    assert list(docs) == list(output)
    assert sum(len(d["r"]) for d in docs.values()) == len(audit)
    assert sum(data["counts"]) == len(audit)
    for entry in audit:
        d = docs[entry["id"]]
        k = next(k for k, r in enumerate(d["r"]) if data["reasons"][r[0]] == entry["reason"] and r[1] == entry["rule"]
                 and any(not isinstance(s, str) and s[1] == k for ln, segs in d["l"] if ln == entry["line"] for s in segs))
        segments = next(segs for ln, segs in d["l"] if ln == entry["line"])
        spans = [s[0] for s in segments if not isinstance(s, str) and s[1] == k]
        whole = "".join(s if isinstance(s, str) else s[0] for s in segments)
        if entry["text"] == whole:  # a whole line: nothing of it kept
            assert not any(isinstance(s, str) and s.strip() for s in segments), entry
        else:
            assert entry["text"] in " ".join(x.strip() for x in spans), entry
    for doc_id, d in docs.items():
        assert d["u"] == [], doc_id  # every removal found on its line
        source = (GOLDEN / "input" / f"{doc_id}.txt").read_text(encoding="utf-8")
        assert [ln for ln, _ in d["l"]] == [n for n, line in enumerate(source.split("\n"), 1) if line.strip()]
        kept = {"".join(s for s in segs if isinstance(s, str)).strip() for _, segs in d["l"]}
        for paragraph in output[doc_id]["body"].split("\n\n"):
            if paragraph:
                # Lines with a span cut out keep their own spacing on the page; the rest is verbatim.
                assert paragraph in kept or any(paragraph.startswith(k[:40]) for k in kept if k), paragraph
        assert d["t"] == output[doc_id]["title"]
        assert d["rel"] == [item["text"] for item in output[doc_id]["related"]]
    # The two duplicates of the golden run: each cluster names its kept passage and its copy.
    clusters = {(data["docs"][c[0]]["id"], c[1]): [(data["docs"][m[0]]["id"], m[1]) for m in c[3]]
                for c in data["clusters"]}
    assert clusters == {("001_7a68198932852521", 1): [("001_7a68198932852521", 6)],
                        ("004_24fd8f660d9764e9", 1): [("004_24fd8f660d9764e9", 3)]}


def test_page_from_an_explain_file_matches_the_page_from_a_run(golden_page, tmp_path, cli):
    path = tmp_path / "from_audit.html"
    result = cli("review", GOLDEN / "input", "-o", path, "--explain", GOLDEN / "expected" / "explain.jsonl",
                 "--results", GOLDEN / "expected" / "output.jsonl")
    assert result.exit_code == 0, result.output
    a, b = page_data(golden_page), page_data(path)
    a.pop("meta"), b.pop("meta")
    assert a == b


def test_markup_in_the_input_is_text(tmp_path, cli):
    (tmp_path / "in").mkdir()
    evil = ["Storm hits the coast overnight, officials say, and the rivers rise fast.",
            "<script>alert('x')</script>",
            "</script><img src=x onerror=alert(1)>",
            "Advertisement",
            "The clean-up <b>continues</b> & costs rise; more rain is due on Friday night."]
    (tmp_path / "in" / "evil.txt").write_text("\n".join(evil), encoding="utf-8")
    path = tmp_path / "evil.html"
    assert cli("review", tmp_path / "in", "-o", path).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img" not in text and "<b>" not in text
    lines = [s if isinstance(s, str) else s[0] for _, segs in page_data(path)["docs"][0]["l"] for s in segs]
    assert "".join(lines).count("<script>alert('x')</script>") == 1


# --- in the browser ---------------------------------------------------------------


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def browser():
    required = os.environ.get("CLEANER_REQUIRE_BROWSER") == "1"  # .ci/run: a missing browser is a failure
    if not os.path.exists(CHROMIUM):
        (pytest.fail if required else pytest.skip)(f"no {CHROMIUM} (Debian's chromium package; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        (pytest.fail if required else pytest.skip)("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, path: Path, height: int = 1000):
    page = browser.new_page(viewport={"width": 1280, "height": height})
    problems: list[str] = []
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=120_000)
    return page, problems


def _in_view(page, selector: str) -> bool:
    return page.eval_on_selector(selector, """e => { const r = e.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""")


def test_golden_page_in_chromium(browser, golden_page):
    page, problems = _open(browser, golden_page, height=1300)
    audit = read_jsonl(GOLDEN / "expected" / "explain.jsonl")
    # Every removed span is struck through, with its reason and rule on hover.
    spans = page.locator("del.rm")
    assert spans.count() == len(audit)
    assert page.eval_on_selector("del.rm", "e => getComputedStyle(e).textDecorationLine") == "line-through"
    ad = page.locator("#d3-l10 del.rm")
    # The reason, the rule and the line model's score of the line.
    assert re.fullmatch(r"ad_slot \u00b7 ad_label \u00b7 score (0|1)\.\d+", ad.get_attribute("title") or "")
    assert ad.inner_text() == "Advertisement"
    assert page.locator("#d0-l5").inner_text().endswith("'Everything I Say Leaks,' Zuckerberg Says in Leaked Meeting Audio")
    assert page.locator("#d0-l5 del").count() == 0  # kept text is plain
    assert page.locator("aside.related").count() == 3 and page.locator("aside.related li").count() == 17
    # The corpus view: both clusters with their members, and a bar per reason.
    assert page.locator("li.cluster").count() == 2
    assert page.locator("li.cluster").first.locator("ul.members li").count() == 1
    assert page.locator(".bar").count() == len({e["reason"] for e in audit})
    assert page.locator('.bar[data-reason="related_item"] .n').inner_text() == "17"
    # Clicking a duplicate goes to the passage kept instead, and says why.
    copy = page.locator('#d4-l3 del.rm[data-reason="near_duplicate"]')
    assert "kept in 004_24fd8f660d9764e9 line 1" in copy.get_attribute("title")
    copy.click()
    page.wait_for_url(re.compile("#d4-l1$"))
    expect(page.locator("#d4-l1")).to_have_class(TARGET)  # hashchange comes after the URL
    assert _in_view(page, "#d4-l1")
    assert "title_repeat" in page.locator("#detail").inner_text()
    # The other one, from the cluster view's member link and then from the copy itself.
    page.locator("li.cluster").first.locator("ul.members a").click()
    page.wait_for_url(re.compile("#d1-l6$"))
    expect(page.locator("#d1-l6")).to_have_class(TARGET)
    page.locator("#d1-l6 del.rm").click()
    page.wait_for_url(re.compile("#d1-l1$"))
    expect(page.locator("#d1-l1")).to_have_class(TARGET)
    assert _in_view(page, "#d1-l1")
    assert page.locator("#jump").get_attribute("href") == "#d1-l1"
    page.locator("#d3-l10 del.rm").click()  # a removal that is no duplicate shows its details
    assert "ad_label" in page.locator("#detail").inner_text()
    # The screenshot: the corpus view and the portal page (the one with a poll).
    page.select_option("#reason", label="poll")
    assert page.locator("article.doc").count() == 1
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    page.mouse.move(0, 0)  # no hover, no focus ring: the same picture on every run
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1560})
    page.screenshot(path=str(SCREENSHOT), animations="disabled", caret="hide")
    assert SCREENSHOT.stat().st_size > 10_000
    assert problems == []
    page.close()


def test_markup_in_the_input_stays_text_in_chromium(browser, tmp_path, cli):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "evil.txt").write_text(
        "Storm hits the coast overnight, officials say, and the rivers rise fast.\n"
        "<script>alert('x')</script>\n</script><img src=x onerror=alert(1)>\nAdvertisement\n", encoding="utf-8")
    path = tmp_path / "evil.html"
    assert cli("review", tmp_path / "in", "-o", path).exit_code == 0
    page, problems = _open(browser, path)
    assert page.locator("#d0-l2").inner_text().endswith("<script>alert('x')</script>")
    assert page.locator("#docs img, #docs script").count() == 0
    assert problems == []  # no alert, no request for "x"
    page.close()


def _big_corpus(path: Path, n: int = 10_000) -> None:
    """n documents: prose from the golden words, some furniture, and copies of page-one paragraphs."""
    words = sorted({w for f in (GOLDEN / "input").iterdir() for w in re.findall(r"[A-Za-z]{3,}", f.read_text(encoding="utf-8"))})
    rng = random.Random(7)

    def paragraph(k: int) -> str:
        return " ".join(rng.choice(words) for _ in range(k)).capitalize() + "."

    firsts = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            first = f"Marker zq{i:05d}x opens the story. " + paragraph(30)
            lines = [first, paragraph(25), "Advertisement", paragraph(40)]
            if i % 10 == 3:
                lines.insert(2, "Desk Notes Corner")
            if i >= 100 and i % 97 == 0:
                # A copy whose kept passage is on page one (in place of its longest paragraph: the
                # document with more words keeps the passage).
                lines[-1] = firsts[i % 50]
            firsts.append(first)
            fh.write(json.dumps({"id": f"big{i:05d}", "text": "\n".join(lines)}) + "\n")


@pytest.mark.slow
def test_ten_thousand_documents(browser, tmp_path, cli):
    corpus, path = tmp_path / "big.jsonl", tmp_path / "big.html"
    _big_corpus(corpus)
    # The furniture panel is under test: with the line model on, it takes the label line first.
    result = cli("review", corpus, "-o", path, "-w", 2, "--strip-threshold", 1)
    assert result.exit_code == 0, result.output
    data = page_data(path)
    assert len(data["docs"]) == 10_000 and data["pageSize"] == 50
    assert [f[0] for f in data["furniture"]] == ["Desk Notes Corner"] and data["furniture"][0][2] == 1000
    # A copy on a late page whose kept passage is on page one.
    copy = next((i, ln, r) for i, d in enumerate(data["docs"]) if i >= 5000 for ln, segs in d["l"]
                for s in segs if not isinstance(s, str) for r in [d["r"][s[1]]]
                if data["reasons"][r[0]] == "near_duplicate")
    doc, line, (_, _, kept_doc, kept_line, _, _) = copy  # reason, rule, kept doc and line, kept id, score
    assert kept_doc < 50
    page, problems = _open(browser, path)
    assert page.locator("article.doc").count() == 50
    assert page.locator("#pageinfo").inner_text().startswith("page 1 of 200")
    page.click("#next")
    assert page.locator("#pageinfo").inner_text().startswith("page 2 of 200 \u2014 documents 51\u2013100 of 10000")
    assert page.locator("article.doc h3 a").first.inner_text() == "big00050"
    page.fill("#search", "zq07321x")
    expect(page.locator("#pageinfo")).to_contain_text("filtered from 10000")
    assert page.locator("article.doc").count() == 1
    assert page.locator("article.doc h3 a").first.inner_text() == "big07321"
    # From the copy's page, a click goes to page one, to the kept passage (leaving the search).
    page.fill("#search", "")
    expect(page.locator("#pageinfo")).not_to_contain_text("filtered")
    page.fill("#pageno", str(doc // 50 + 1))
    page.press("#pageno", "Enter")
    assert page.locator("#pageinfo").inner_text().startswith(f"page {doc // 50 + 1} of 200")
    page.locator(f"#d{doc}-l{line} del.rm").click()
    page.wait_for_url(re.compile(f"#d{kept_doc}-l{kept_line}$"))
    expect(page.locator(f"#d{kept_doc}-l{kept_line}")).to_have_class(TARGET)
    assert page.locator("#pageinfo").inner_text().startswith("page 1 of 200")
    assert _in_view(page, f"#d{kept_doc}-l{kept_line}")
    assert problems == []
    page.close()
