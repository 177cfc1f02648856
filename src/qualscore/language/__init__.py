"""The expression language: one typed tree, its parser, and the visitors over it.

A formula is parsed once (:func:`~qualscore.language.parse.parse`) into a typed
tree (:mod:`~qualscore.language.tree`): numbers, booleans, names, node reads,
operators, comparisons, conditionals and calls, each with its type and its place
in the source. Everything else is a visitor over that tree
(:class:`~qualscore.language.tree.Visitor`): the Python code the engine runs
(:mod:`~qualscore.language.lower`), the value ranges the validator reasons with
(:mod:`~qualscore.language.ranges`), the auditor's working and words
(:mod:`qualscore.scoring.working`), and what an expression reads
(:func:`~qualscore.language.tree.reads`). The arithmetic all of them share is in
:mod:`~qualscore.language.ops`.
"""
