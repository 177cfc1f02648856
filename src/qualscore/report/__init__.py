"""Renderers: turn a :class:`~qualscore.scoring.trace.Result` into words, tables and documents.

Only this package and :mod:`qualscore.cli.app` import rich.
"""
