"""The date a report carries, apart from the report itself: a command works it out (and
refuses a bad ``--date``) before it scores anything, whatever format it then writes."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

__all__ = ["report_date"]


def report_date(given: str | None) -> str:
    """The report's date: ``given`` (YYYY-MM-DD), else ``SOURCE_DATE_EPOCH``, else today (UTC).

    Raises:
        ValueError: ``given`` or ``SOURCE_DATE_EPOCH`` is not a date.
    """
    if given:
        return date.fromisoformat(given).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()
    return datetime.now(UTC).date().isoformat()
