"""What Chromium writes differently from one print to the next is made the same."""

from __future__ import annotations

from qualscore.report.pdf import fix_dates, fix_ids

# Two prints of one page as Chromium wrote them on a busy machine: every structure
# element id one higher in the second (the page's DOM had given one more node an id).
FIRST = (
    b"282 0 obj\n<</Type /StructElem\n/S /TH\n/ID (node00000015)>>\nendobj\n"
    b"290 0 obj\n<</Type /StructElem\n/S /TD\n/ID (node00000018)>>\nendobj\n"
    b"3106 0 obj\n<</Names [(node00000015) 282 0 R (node00000018) 290 0 R]>>\nendobj\n"
    b"/CreationDate (D:20261207011500+00'00')\n"
)
SECOND = FIRST.replace(b"node00000015", b"node00000016").replace(b"node00000018", b"node00000019")


def test_structure_ids_are_renumbered_the_same_for_two_prints() -> None:
    """Ids shifted by the DOM's timing give the same bytes, each id renumbered in order."""
    assert FIRST != SECOND
    assert fix_ids(FIRST) == fix_ids(SECOND)
    assert fix_ids(FIRST) == FIRST.replace(b"node00000015", b"node00000001").replace(
        b"node00000018", b"node00000002"
    )


def test_renumbering_keeps_every_offset_and_the_order() -> None:
    """The same length (the cross-reference table stays right) and the ids' order (the
    /IDTree stays sorted), whatever the numbers were."""
    shuffled = FIRST.replace(b"node00000015", b"node99999999")
    fixed = fix_ids(shuffled)
    assert len(fixed) == len(shuffled)
    assert fixed.index(b"(node00000002)") < fixed.index(b"(node00000001)")


def test_dates_and_ids_together_make_one_file() -> None:
    """A print's date and its ids both fixed: the report's day, the ranks."""
    fixed = fix_ids(fix_dates(SECOND, "2019-03-01"))
    assert b"/CreationDate (D:20190301000000+00'00')" in fixed
    assert fixed == fix_ids(fix_dates(FIRST, "2019-03-01"))
