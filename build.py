"""Build every booklet from content/ into dist/: the project's entry point (see README)."""

import sys

from booklets.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
