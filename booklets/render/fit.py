"""Which one-page parts of a booklet need their tight layout, found before the booklet is laid out.

The form must be one page (render/target.py). Most shipped forms need the tight layout
(`form-compact`), and finding that out from the whole booklet cost a second layout of all of it
(about 2.5 s). The form starts a page of its own (`break-before`), so the form alone, under the same
<head> and <body> classes, takes the same lines and pages, in a tenth of the time: the booklet is
then laid out once, with the class it needs.

A probe is advice. The full render checks the form again (NotOnePage) and lays it out tight if the
probe was wrong; a probe that cannot be made (a project template that does not mark the form as
booklet.html.j2 does) or fails (a refused resource, a stylesheet WeasyPrint cannot read) answers 0,
and the full render reports the problem at its source. A time limit (render/limits.py) is not
caught: the probe is part of the target's render time.
"""

from __future__ import annotations

import re
from pathlib import Path

import weasyprint
from weasyprint.urls import FatalURLFetchingError

from booklets.render import pinned
from booklets.render.pdf import ProjectFetcher, pages_spanned, weasyprint_log
from booklets.render.target import FORM

# The form alone: the document up to its <body> tag, then from the tag that opens the form to the
# `content-end` marker.
_BODY = re.compile(r"<body\b[^<>]*>")
_FORM_START = re.compile(r'<[a-zA-Z][^<>]*\bid="form"[^<>]*>')
_FORM_END = re.compile(r'<[a-zA-Z][^<>]*\bid="content-end"[^<>]*>')


def form_alone(html: str) -> str | None:
    """The booklet's HTML with only its form in the body (None: the form is not marked)."""
    body, start = _BODY.search(html), _FORM_START.search(html)
    end = _FORM_END.search(html, start.end()) if start else None
    if body is None or start is None or end is None or start.start() < body.end():
        return None
    return html[: body.end()] + "\n" + html[start.start(): end.end()] + "</div>\n</body>\n</html>\n"


def form_pages(html: str, base_dir: Path, allowed: list[Path], pdf_variant: str | None) -> int:
    """How many pages the booklet's form runs to, laid out alone on the edition's page (no PDF is
    written): 0 when the form is not marked, or the layout fails."""
    alone = form_alone(html)
    if alone is None:
        return 0
    pinned.pin()
    with weasyprint_log():
        try:
            pages = weasyprint.HTML(string=alone, base_url=base_dir.as_uri() + "/",
                                    url_fetcher=ProjectFetcher(allowed)).render(pdf_variant=pdf_variant).pages
        except (Exception, FatalURLFetchingError):  # the full render reports it, at its source
            return 0
    return pages_spanned(pages, *FORM) or 0
