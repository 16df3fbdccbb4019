"""A scratch project with two facilities in two jurisdictions, for the jurisdiction, contact and
terminology tests: the minimal project (tests/conftest.py) plus the files that differ."""

from __future__ import annotations

import textwrap

from tests.conftest import MINIMAL

BOOKLET = MINIMAL["content/booklet.yaml"].replace("facilities: [north]", "facilities: [north, south]")

US = """\
    name: {en: the United States}
    words:
      prison: {en: facility}
    roles:
      safeguarding_lead: {en: PREA compliance manager}
    contacts:
      support_line: [phone, address]
    avoid:
      en:
        - avoid: [Crown Court]
          why: the courts of England and Wales
    """

ENGLAND_WALES = """\
    name: {en: England and Wales}
    words:
      prison: {en: prison}
    avoid:
      en:
        - avoid: [PREA, U.S.C.]
          why: US law
    """

NORTH = MINIMAL["content/facilities/north.yaml"].replace(
    "name: North Site\n", "name: North Site\n        jurisdiction: england-wales\n")

SOUTH = """\
    name: South Site
    jurisdiction: us
    address: ["2 South Road"]
    calls_monitored: "Support calls are not recorded."
    contacts:
      internal_line: {name: "South inside line", phone: "555-0101"}
      outside_body: {name: "South outside agency", phone: "555-0103"}
      support_line: {name: "South support line", phone: "555-0104", address: ["PO Box 1", "Southtown"]}
    """

SOURCES = """\
    fact-one: {text: "Source One, 2020."}
    us-law: {text: "A US law.", jurisdictions: [us]}
    ew-law: {text: "A law of England and Wales.", jurisdictions: [england-wales]}
    """

SHARED = """\
    zero-tolerance:
      title: Zero tolerance
      body: |
        Never acceptable in this {{prison}}. A fact[^fact-one].
      jurisdictions:
        us:
          local: |
            In the United States, it is a federal crime[^us-law].
        england-wales:
          local: |
            In England and Wales, it is tried in the Crown Court[^ew-law].
      variants:
        staff: {title: "Zero tolerance for staff"}
    """


def two_places(**overrides: str | None) -> dict[str, str | None]:
    """Files for make_project: north in England and Wales, south in the United States."""
    files: dict[str, str | None] = {
        "content/booklet.yaml": BOOKLET,
        "content/jurisdictions/us.yaml": US,
        "content/jurisdictions/england-wales.yaml": ENGLAND_WALES,
        "content/facilities/north.yaml": NORTH,
        "content/facilities/south.yaml": SOUTH,
        "content/en/sources.yaml": SOURCES,
        "content/en/shared.yaml": SHARED,
    }
    files.update(overrides)
    return files


def dedent(text: str | None) -> str:
    return textwrap.dedent(text or "")
