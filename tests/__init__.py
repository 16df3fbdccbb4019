"""Test suite for booklets."""
