"""How long imposing a 32-page booklet takes, and whether the output is the same every time.

    /tmp/venv/bin/python benchmarks/impose.py              # a 32-page A5 booklet with bleed
    /tmp/venv/bin/python benchmarks/impose.py dist/x.pdf   # or any print PDF (pages: 4k)

The booklet is rendered once with WeasyPrint (not timed): A5, 3 mm bleed, crop marks, the
project's font, a full-bleed cover and 31 pages of text. Imposition is then timed over several
runs in this process, and the bytes of every run are compared.
"""

from __future__ import annotations

import hashlib
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402

from booklets.render.impose import impose  # noqa: E402

RUNS = 20


def sample_booklet(pages: int = 32) -> bytes:
    """A realistic print PDF: one cover with a bleeding band, then numbered pages of text."""
    import weasyprint

    from booklets.render.fonts import font_dir

    font = (font_dir() / "SourceSansPro-Regular.ttf").as_uri()
    text = " ".join(["Boundaries keep everyone safe; report what you see."] * 40)
    body = "".join(f"<section><h2>Section {n}</h2><p>{text}</p></section>"
                   for n in range(2, pages + 1))
    html = f"""<style>
      @font-face {{ font-family: S; src: url({font}); }}
      @page {{ size: A5; bleed: 10mm; marks: crop; margin: 18mm 15mm;
              @bottom-right {{ content: counter(page); }} }}
      @page cover {{ margin: 0; @bottom-right {{ content: none; }} }}
      html {{ font-family: S; font-size: 11pt; }}
      .cover {{ page: cover; height: 100vh; }}
      .band {{ background: #1d3557; color: white; height: 80mm; margin: -3mm -3mm 0;
               padding: 30mm 17mm 0; font-size: 24pt; }}
      section {{ break-before: page; }}
    </style><div class="cover"><div class="band">Benchmark booklet</div></div>{body}"""
    return bytes(weasyprint.HTML(string=html).write_pdf())


def main() -> int:
    pdf = Path(sys.argv[1]).read_bytes() if len(sys.argv) > 1 else sample_booklet()
    with pikepdf.open(io.BytesIO(pdf)) as src:
        pages = len(src.pages)
    times, digests = [], set()
    for _ in range(RUNS):
        start = time.perf_counter()
        out = impose(pdf)
        times.append(time.perf_counter() - start)
        digests.add(hashlib.sha256(out).hexdigest())
    print(f"imposed {pages} pages into {pages // 2} sheet sides, {RUNS} runs")
    print(f"  median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")
    print(f"  output {len(out)} bytes; byte-identical across runs: {len(digests) == 1}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
