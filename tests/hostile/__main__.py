"""Replay the hostile corpus: ``python -m tests.hostile [AREA|NAME ...]``, one line per attack."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from . import load_all


def main(argv: list[str]) -> int:
    """Run every attack (or those whose area or name is given); exit 1 if any got through."""
    attacks = [a for a in load_all() if not argv or a.area in argv or a.name in argv]
    failed = 0
    for item in attacks:
        with tempfile.TemporaryDirectory(prefix="qualscore-hostile-") as tmp:
            try:
                item.check(Path(tmp))
            except Exception as exc:  # any escape is a failed attack, reported as such
                failed += 1
                text = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
                reason = text.splitlines()[0] if text else "assertion failed"
                print(f"FAIL  {item.area}/{item.name}: {item.what} — {reason}")
            else:
                print(f"ok    {item.area}/{item.name}: {item.what}")
    print(f"{len(attacks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
