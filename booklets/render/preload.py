"""Importing this module imports everything a rendering process needs, WeasyPrint first and fast.

It is what the workers' fork server preloads (multiprocessing takes module names, so the import
itself does the work), and what a build rendering in its own process imports before its first
target. Nothing else should import it.

WeasyPrint itself is imported the fast way (fastimport.py).
"""

from __future__ import annotations

import importlib

from booklets.render.fastimport import import_weasyprint

# What a worker uses: the renderer, imposition, the thumbnailer and the worker loop. Not the
# schema, Jinja or the content loader: workers get plain data (render.target.RenderSetup).
# The PIL plugins and email modules are what the first render imports on its own.
MODULES = (
    "booklets.render.pdf",
    "booklets.render.impose",
    "booklets.render.target",
    "booklets.render.thumbnail",
    "booklets.engine.workers",
    "pypdfium2",
    "PIL.Image",
    "PIL.PngImagePlugin",
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin",
    "email.policy",
    "email.headerregistry",
)


import_weasyprint()
for _name in MODULES:
    importlib.import_module(_name)
