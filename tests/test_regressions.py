"""Cases a review of the core found; each failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner import Cleaner, Document
from cleaner.strip.rules import match_line
from cleaner.strip.text import word_count

OTHER_STORY = ("Shares in the country's largest lender rose after it reported a rise in quarterly profit that "
               "beat the forecasts of most analysts.")
STORY = ("The regional parliament voted on Thursday to extend the night train service to the coast, "
         "a decision that rail unions had demanded for more than a decade.")


def run(docs, config=None):
    cleaner = Cleaner(config)
    return {r.id: r for r in cleaner.run(docs)}, cleaner.stats


def test_lone_surrogate_in_jsonl_is_written_not_fatal(tmp_path, cli):
    src = tmp_path / "s.jsonl"
    src.write_text('{"id": "s", "text": "Storm \\ud800 hits the coast tonight\\nMore text here."}\n', encoding="utf-8")
    result = cli("run", src, "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 0
    (record,) = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["id"] == "s" and "\ud800" in (record["title"] or "") + record["body"]


def test_non_string_text_is_rejected():
    cleaner = Cleaner()
    (item,) = list(cleaner.run([Document(id="x", text=None)]))
    assert item.reason == "missing_text" and cleaner.stats.balanced()


def test_a_title_does_not_swallow_a_longer_copy_of_itself():
    title = "Storm floods the city centre as rivers burst their banks overnight"
    b = Document("b", title + "\n\n" + STORY)
    a = Document("a", title + ", leaving hundreds of homes without power.")
    results, _ = run([b, a])
    assert results["a"].duplicate_of is None
    assert "leaving hundreds of homes without power" in results["a"].body


def test_more_than_64_copies_all_go_to_the_longest():
    docs = [Document(f"c{i}", STORY) for i in range(70)] + [Document("long", STORY + " Markets rose.")]
    results, stats = run(docs)
    assert results["long"].duplicate_of is None
    assert all(results[f"c{i}"].duplicate_of == "long" for i in range(70))
    assert stats.duplicate_documents == 70


def test_exact_tier_does_not_depend_on_input_order():
    line = "Markets rally as inflation cools"
    def docs(order):
        made = {"x": Document("x", STORY + "\n\n" + line), "y": Document("y", line + "\n\n" + OTHER_STORY),
                "z": Document("z", "Other news today\n\n" + line)}
        return [made[k] for k in order]
    for order in ("xyz", "yxz", "zyx"):
        results, _ = run(docs(order))
        assert sum(line in results[k].body for k in "xz") + (results["y"].title == line) == 1, order


@pytest.mark.parametrize("first, second", [
    ("The company said on Monday it would cut 3,000 jobs in the United States this year.",
     "The company said on Monday it would cut 1,000 jobs in Europe this year."),
    ("Polling stations across the country close at 10pm in England on Thursday night.",
     "Polling stations across the country close at 8pm in Scotland on Thursday night."),
])
def test_different_facts_said_alike_in_one_page_both_stay(first, second):
    results, _ = run([Document("d", f"{first}\n\n{second}")])
    assert results["d"].body == f"{first}\n\n{second}"


def test_a_common_short_sentence_is_not_a_copied_passage():
    # Six different stories (the golden seeds' longest paragraphs) that end alike.
    golden = Path(__file__).resolve().parents[1] / "golden" / "input"
    leads = [max(p.read_text(encoding="utf-8").split("\n"), key=len) for p in sorted(golden.glob("*.txt"))]
    docs = [Document(f"d{i}", f"{lead}\n\nNo one was injured.\n\nThe company declined to comment.")
            for i, lead in enumerate(leads)]
    results, stats = run(docs)
    assert all("No one was injured." in r.body and "declined to comment" in r.body for r in results.values())
    assert stats.removed.get("site_furniture", 0) == 0
    # Syndicated, the story's short sentences are copies there.
    results, _ = run([*docs, Document("syndicated", docs[0].text)])
    assert results["syndicated"].duplicate_of == "d0" and results["d0"].body == docs[0].text
    assert {x.text: x.rule for x in results["syndicated"].removals}["No one was injured."] == "exact"


def test_quoted_speech_is_not_a_reader_prompt():
    text = STORY + '\n\n"Tell us the truth," protesters chanted outside parliament.'
    results, _ = run([Document("d", text)])
    assert results["d"].body.endswith('"Tell us the truth," protesters chanted outside parliament.')


def test_poll_header_takes_only_question_and_options():
    text = (STORY + "\n\nEncuesta\n¿Apoya la ampliación del tren nocturno?\nSí\nNo\n"
            "El 45 % de los encuestados apoya la ampliación, según el sondeo publicado el lunes.")
    results, _ = run([Document("d", text)])
    assert "El 45 % de los encuestados" in results["d"].body
    assert "Apoya la ampliación" not in results["d"].body


@pytest.mark.parametrize("line", [
    "Sigue a la baja el precio del petróleo en los mercados internacionales.",
    "Inscrivez-vous sur les listes électorales avant le 3 mai, rappelle la préfecture.",
    "Melden Sie sich bis Freitag beim Bürgeramt an, rät die Stadt.",
    "Regístrate antes del 15 de mayo para votar en las primarias.",
    "Like other leaders, Macron commented on X about the attack.",
    "Follow the money on Twitter, critics say.",
    "Curated by experts, the exhibition opens on Friday.",
    "Sources: The ministry refused to comment.",
    "Avec: Marion Cotillard, Guillaume Canet",
    "A bad year for Reuters",
    "Why it matters for Bloomberg",
    "2019", "Day 3", "Week 2", "The 100",
    "Copyright law is changing fast in Europe",
    "Let us know if the trains are late, the minister told commuters.",
    "Share your views with the committee before Friday.",
])
def test_real_lines_are_not_furniture(line):
    assert match_line(line, word_count(line)) is None


@pytest.mark.parametrize("line, category", [
    ("Share on Facebook Share on Twitter Share via Email", "share_widget"),
    ("(Getty Images)", "photo_credit"), ("Image copyright Getty Images", "photo_credit"),
    ("Comments (12)", "related_counter"), ("Back to top", "navigation"), ("Zurück nach oben", "navigation"),
    ("Listen to this article", "media_widget"), ("Écouter cet article", "media_widget"),
    ("Most read", "related_header"), ("Les plus lus", "related_header"), ("Lo más leído", "related_header"),
    ("Reporting by Jane Doe; Editing by Tom Smith", "cta"), ("Avec AFP", "cta"), ("Con información de EFE", "cta"),
    ("Follow us", "newsletter"), ("Suivez-nous", "newsletter"),
    ("We use cookies to give you the best experience on our website.", "footer"),
])
def test_furniture_the_review_found(line, category):
    assert match_line(line, word_count(line))[0] == category


def test_leading_season_is_not_a_date():
    results, _ = run([Document("d", "2023-24 Premier League Season Review\n\n" + STORY)])
    assert results["d"].title == "2023-24 Premier League Season Review"


def test_old_mac_line_endings_split_lines():
    other = "Rail unions welcomed the vote and said the first trains could run before the summer holidays."
    results, _ = run([Document("d", STORY + "\rAdvertisement\r" + other)])
    assert "Advertisement" not in results["d"].body and results["d"].body.count("\n\n") == 1


def test_two_files_of_one_name_in_a_folder_keep_two_ids(tmp_path, cli):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "news.txt").write_text(STORY.replace("Thursday", sub), encoding="utf-8")
    ids = [json.loads(x)["id"] for x in cli("run", tmp_path, "-q").stdout.splitlines()]
    assert ids == ["a/news", "b/news"]


def test_an_input_field_named_cleaner_is_not_overwritten():
    (r,) = list(Cleaner().run([{"id": "x", "text": STORY, "cleaner": "mine"}]))
    assert r.metadata["cleaner"] == "mine" and r.metadata["_cleaner"]["removed"] == 0
