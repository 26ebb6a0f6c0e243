"""`cinlab pool` (the class's page for the projector) and `cinlab export --worksheet`."""

from pathlib import Path

import pytest

from cinlab import cards, scenarios
from cinlab.cli import main
from cinlab.pool_view import class_page
from cinlab.worksheet import worksheet_html

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"therapy.detection_size": 1e3, "relapse_size": 1e3, "max_cells": 2e3,
         "duration": 200.0, "escape.mutation_rate": 1e-3}


@pytest.fixture(scope="module")
def card_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards")
    arms = {"TI-K": scenarios.get("sotillo2010", mad2=False, **SMALL),
            "TI-KM": scenarios.get("sotillo2010", mad2=True, **SMALL)}
    for name, text in cards.simulate_cards(arms, seeds=[1, 2], n_runs=3):
        (folder / name).write_text(text)
    (folder / "broken.json").write_text("{")
    return folder


def test_cinlab_pool_writes_the_class_page_and_names_bad_cards(card_folder, tmp_path, capsys):
    out = tmp_path / "class.html"
    assert main(["pool", *map(str, sorted(card_folder.glob("*.json"))), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.err.strip() == ("left out: broken.json: not a result card (not valid "
                                   "JSON: Expecting property name enclosed in double quotes: "
                                   "line 1 column 2 (char 1)).")
    assert "2 cards pooled, 1 left out." in printed.out
    page = out.read_text()
    assert "Cards left out" in page
    assert "broken.json" in page
    assert "Bokeh" in page  # the figure, inline: it opens offline


def test_cinlab_pool_takes_a_folder_and_fails_when_nothing_pools(card_folder, tmp_path,
                                                                capsys):
    assert main(["pool", str(card_folder), "--out", str(tmp_path / "c.html")]) == 0
    assert main(["pool", str(tmp_path / "nothing.json"), "--out",
                 str(tmp_path / "d.html")]) == 1
    assert "cannot be read" in capsys.readouterr().err
    assert main(["pool", "x.json", "--out", str(tmp_path / "page.txt")]) == 2


def test_class_page_without_cards_is_plain_text():
    page = class_page(cards.pool([("a.json", "[]")]))
    assert "No card could be pooled" in page
    assert "a.json: not a result card" in page


def test_worksheet_keeps_the_questions_and_leaves_out_the_answers():
    page = worksheet_html(ROOT / "lessons" / "06_the_class_is_the_lab.ipynb")
    assert "<title>06 · The class is the lab" in page
    assert "Learning objectives" in page
    assert "Solution" not in page
    assert "<details>" not in page
    # one writing box per prompt and per exercise, a placeholder per explorer
    assert page.count('class="write"') == 7
    assert page.count('class="figure"') == 4
    # the quiz questions and options, without the explanations
    assert page.count('class="quiz"') == 2
    assert "Group A made a mistake." in page
    assert "Small experiments often miss a real difference" not in page


def test_cinlab_export_worksheet(tmp_path, capsys):
    out = tmp_path / "ws.html"
    assert main(["export", "04", "--worksheet", "--out", str(out)]) == 0
    assert "printable" not in capsys.readouterr().err
    page = out.read_text()
    assert "CIN and relapse" in page
    assert 'class="write"' in page
    assert "Solution" not in page


def test_worksheet_of_a_file_that_is_no_notebook(tmp_path):
    bad = tmp_path / "x.ipynb"
    bad.write_text("not json")
    with pytest.raises(ValueError, match="is not a readable notebook"):
        worksheet_html(bad)
