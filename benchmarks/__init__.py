"""Benchmarks whose figures the README quotes: ``python -m benchmarks`` runs them all.

Each measures the real ``bilan-bot`` process (or the real dispatcher) against
the stand-in Bot API server of the tests on 127.0.0.1, and prints a table and
one line of figures. See ``benchmarks/__main__.py``.
"""
