"""Forms that document what the standards ask: their lines come from content, labels from strings.

A form lists its `fields` (name, ID, site, signature, date, trainer, training date, format,
language, ...) and may add `blocks`, further records signed separately (a resident's education
session after the receipt at intake), each with a "declined to sign" line for a staff witness.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from booklets.cli.main import main
from booklets.content import schema
from booklets.content.load import load_project
from booklets.errors import BookletError
from tests.conftest import MINIMAL, REPO
from tests.i18n_project import bilingual, pages_text

Make = Callable[..., Path]
STAFF = MINIMAL["content/en/audiences/staff.yaml"]
BEFORE_FORM = STAFF[:STAFF.index("        form:")]
FORM = STAFF[STAFF.index("        form:"):].rstrip() + "\n"
WITH_BLOCKS = FORM + """\
          fields: [name, id, facility, signature, date, declined]
          blocks:
            - title: "Part 2: the education session"
              statements: ["A staff member went through this booklet with me."]
              fields: [session_date, format, language, educator_name, educator_signature, signature, declined]
        """


def test_every_field_has_a_label_in_every_shipped_language() -> None:
    for lang in ("en", "es"):
        strings = yaml.safe_load((REPO / f"content/{lang}/strings.yaml").read_text(encoding="utf-8"))
        assert {f"form_{f}" for f in schema.FORM_FIELDS} <= set(strings), lang


def test_fields_and_blocks_are_printed_in_order(make_project: Make, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({"content/en/audiences/staff.yaml": BEFORE_FORM + WITH_BLOCKS})
    assert main(["--project", str(root)]) == 0, capsys.readouterr().err
    pages = pages_text(root / "dist/north/en/staff-screen.pdf")
    form = " ".join(p for p in pages if "Acknowledgement" in p)
    order = ["Name", "ID number", "Site North Site", "Signature", "Date", "Declined to sign: staff witness",
             "Part 2: the education session", "A staff member went through this booklet with me.",
             "Session date", "Format used", "Language used", "Educator", "Educator's signature", "Signature",
             "Declined to sign: staff witness"]
    at = 0
    for label in order:
        found = form.find(label, at)
        assert found >= 0, (label, form[at:])
        at = found + len(label)
    assert "or offered to" not in form


def test_a_value_a_packet_fills_may_appear_once(make_project: Make) -> None:
    twice = FORM + "          fields: [name, id, date, signature]\n          blocks:\n" \
        "            - {title: Again, fields: [date, signature]}\n"
    root = make_project({"content/en/audiences/staff.yaml": BEFORE_FORM + twice})
    with pytest.raises(BookletError) as caught:
        load_project(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.key) == ("content/en/audiences/staff.yaml", "form")
    assert problem.message.startswith("field `date` appears twice on the form; a packet fills it once")


def test_an_unknown_field_names_the_ones_there_are(make_project: Make) -> None:
    root = make_project({"content/en/audiences/staff.yaml": BEFORE_FORM + FORM + "          fields: [name, badge]\n"})
    with pytest.raises(BookletError) as caught:
        load_project(root)
    [problem] = caught.value.problems
    assert problem.key == "form.fields[1]" and "'trainer_signature'" in problem.message and "'badge'" in problem.message


def test_a_blocks_untranslated_statement_is_a_missing_translation(make_project: Make) -> None:
    es_staff = bilingual()["content/es/audiences/staff.yaml"] or ""
    es_form = es_staff[es_staff.index("    form:"):]
    es_blocks = es_form.rstrip() + "\n" + """\
      fields: [name, id, facility, signature, date, declined]
      blocks:
        - title: "Parte 2: la sesión informativa"
          fields: [session_date, signature]
    """
    en = BEFORE_FORM + WITH_BLOCKS
    root = make_project(bilingual(**{"content/en/audiences/staff.yaml": en,
                                     "content/es/audiences/staff.yaml": es_staff.replace(es_form, es_blocks)}))
    with pytest.raises(BookletError) as caught:
        load_project(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.key) == ("content/es/audiences/staff.yaml", "form.blocks[0].statements")
    assert "missing translation (present in content/en/audiences/staff.yaml:" in problem.message
