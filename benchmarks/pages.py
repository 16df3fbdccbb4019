"""Page counts of the default booklets, against the count before the flowing layout (issue 13).

    python build.py --out dist && python benchmarks/pages.py dist
    python benchmarks/pages.py dist --baseline other-dist     # against another build instead
    python benchmarks/pages.py dist --save                    # record dist as the baseline

Counts every booklet PDF under <dist>/<facility>/<lang>/ (imposed sheets are the same pages, so
they are left out) and prints, per booklet, the pages before and now, then the totals. The
baseline in benchmarks/pages-baseline.json was measured on commit c2d1c95, where every section
started a new page (720 pages over the 30 default booklets).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pikepdf

BASELINE = Path(__file__).resolve().parent / "pages-baseline.json"


def count(dist: Path) -> dict[str, int]:
    """`facility/lang/audience-edition` -> pages, for every booklet PDF in a build folder."""
    out = {}
    for path in sorted(dist.glob("*/*/*.pdf")):
        if path.stem.endswith("-imposed") or path.parts[-3] == "personal":
            continue
        with pikepdf.open(path) as pdf:
            out[path.relative_to(dist).with_suffix("").as_posix()] = len(pdf.pages)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--baseline", type=Path, help="another build folder to compare with")
    parser.add_argument("--save", action="store_true", help="record this build as the baseline")
    args = parser.parse_args(argv)
    now = count(args.dist)
    if args.save:
        BASELINE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{sum(now.values())} pages in {len(now)} booklets recorded in {BASELINE.name}")
        return 0
    before = count(args.baseline) if args.baseline else json.loads(BASELINE.read_text(encoding="utf-8"))
    width = max(map(len, now | before))
    print(f"{'booklet':<{width}}  before   now  change")
    for name in sorted(now | before):
        b, n = before.get(name), now.get(name)
        change = f"{(n - b) / b:+.0%}" if b and n is not None else ""
        print(f"{name:<{width}}  {b if b is not None else '-':>6}  {n if n is not None else '-':>4}  {change:>6}")
    shared = [k for k in now if k in before]
    total_before, total_now = sum(before[k] for k in shared), sum(now[k] for k in shared)
    print(f"{'total (' + str(len(shared)) + ' booklets)':<{width}}  {total_before:>6}  {total_now:>4}  "
          f"{(total_now - total_before) / total_before:+.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
