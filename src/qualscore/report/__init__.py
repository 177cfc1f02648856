"""Renderers: turn a :class:`~qualscore.trace.Result` into words, tables and documents.

Only this package and :mod:`qualscore.cli` import rich.
"""
