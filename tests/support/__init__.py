"""Helpers shared by the test suite (importable because pyproject sets pythonpath = tests)."""
