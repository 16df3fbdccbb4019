"""`python -m booklets` runs the same command line as build.py."""

import sys

from booklets.cli.main import main

sys.exit(main())
