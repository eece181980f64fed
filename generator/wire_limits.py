"""Limits of the wire that the catalog format's types mean, for the generator.

The catalog's `int` is an OTLP int, 64-bit signed. The generator checks catalogs against
this range and writes it into the emitters' range checks. The runtime keeps the same two
numbers in its own leaf module (`runtime/_int64.py`): the generator never imports the
runtime, and the runtime never imports the generator; a test holds the two equal.
"""

#: The range of an OTLP int (64-bit signed); the SDK's encoder fails a batch holding more.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
