"""The libyaml fast path reads every shipped file exactly as the pure-Python reader does."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, pure_python_document
from qualscore.source import yamlfile as _yaml

FILES = sorted(
    p for folder in ("rules", "examples", "tests/fixtures") for p in (ROOT / folder).rglob("*.yaml")
)


@pytest.mark.skipif(not _yaml._FAST, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_fast_path_equals_slow_path(path: Path) -> None:
    """Same values, same line and column for every node and key."""
    text = path.read_text(encoding="utf-8-sig")
    fast_node = _yaml._fast_node(text)
    assert fast_node is not None, "the fast path gave up on a valid file"
    fast, reference = _yaml.render_document(fast_node, "f"), pure_python_document(text, "f")
    assert (fast.data, fast.marks, fast.key_marks) == (reference.data, reference.marks, reference.key_marks)


def test_fast_path_gives_up_on_aliases() -> None:
    """An alias is left to the exact reader, which refuses it with its position."""
    assert _yaml._fast_node("a: &x 1\nb: *x\n") is None
