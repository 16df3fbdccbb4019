"""Issue 18: the gallery (dist/index.html) says when a build is a draft and flags each booklet that
still has placeholder values or untranslated text."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from booklets.cli.main import main
from tests.i18n_project import bilingual
from tests.scratch import NORTH, change, edit


class Cards(HTMLParser):
    """The gallery as a reader sees it: the draft notice, and each card's text."""

    def __init__(self) -> None:
        super().__init__()
        self.notice = ""
        self.cards: list[str] = []
        self.classes: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "li" and "booklet" in cls.split():
            self.cards.append("")
            self.classes.append(cls)
            self._in.append("card")
        elif tag == "p" and cls == "draft":
            self._in.append("notice")

    def handle_endtag(self, tag: str) -> None:
        if (tag == "li" and self._in[-1:] == ["card"]) or (tag == "p" and self._in[-1:] == ["notice"]):
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "notice" in self._in:
            self.notice += data
        elif "card" in self._in:
            self.cards[-1] += data


def gallery(root: Path) -> Cards:
    cards = Cards()
    cards.feed((root / "dist/index.html").read_text(encoding="utf-8"))
    return cards


def plain(text: str) -> str:
    return " ".join(text.split())


def test_a_finished_build_is_not_called_a_draft(minimal_build: Path) -> None:
    page = gallery(minimal_build)
    assert page.notice == "" and len(page.cards) == 1
    assert "Draft" not in page.cards[0] and "unfinished" not in page.classes[0]


def test_placeholders_make_the_build_a_draft_and_flag_the_booklet(
    minimal_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    shutil.copytree(minimal_build, root)
    change(root, {NORTH: edit('address: ["1 North Road"]', 'address: [!placeholder "1 North Road", '
                                                           '!placeholder "Northtown"]')})
    assert main(["--project", str(root)]) == 0
    assert "2 placeholder values in content/facilities/north.yaml" in capsys.readouterr().err
    page = gallery(root)
    assert plain(page.notice).startswith("Draft — not for readers yet. 1 of 1 booklets still show placeholder values")
    assert "--release refuses them" in plain(page.notice)
    assert "Draft: 2 placeholder values left" in plain(page.cards[0])
    assert "unfinished" in page.classes[0]

    # Replaced: the next build is no draft any more.
    change(root, {NORTH: edit('[!placeholder "1 North Road", !placeholder "Northtown"]',
                              '["1 North Road", "Northtown"]')})
    assert main(["--project", str(root)]) == 0
    page = gallery(root)
    assert page.notice == "" and "Draft" not in page.cards[0]


def test_draft_fallbacks_flag_only_the_translated_booklets(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(bilingual(**{"content/es/sources.yaml": None}))
    assert main(["--project", str(root), "--draft"]) == 0
    capsys.readouterr()
    page = gallery(root)
    assert len(page.cards) == 2
    es = next(c for c in page.cards if re.search(r"Spanish|español", c, re.I))
    en = next(c for c in page.cards if c is not es)
    assert "Draft: 1 missing translation shown in the source language" in plain(es)
    assert "Draft" not in en
    assert "1 of 2 booklets show untranslated text" in plain(page.notice)
