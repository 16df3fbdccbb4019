"""booklets: one YAML source, print-ready and accessible PDF booklets for every audience."""

__version__ = "0.1.0"
