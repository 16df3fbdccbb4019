"""The bad-input corpus (cases.py) and the helpers the reliability tests share (support.py)."""
