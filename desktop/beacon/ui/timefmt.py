"""Short relative times for the feed rows ("now", "42 s", "5 min", "3 h", "Tue 14:05").

Words, day names, dates and clock times are the user's language's (QLocale's default,
which :func:`beacon.ui.i18n.install` sets): "Di. 14:05" and "30.11.26" in German.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache

from PySide6.QtCore import QDate, QDateTime, QLocale, QObject, QTime

#: A locale's long time format names the time zone ("t"); the tooltips do without it.
_ZONE = re.compile(r"\s*\bt+\b\s*")


class RelativeTime(QObject):
    """The words of relative times (a QObject: lupdate sees plurals only in its tr())."""

    def now(self) -> str:
        return self.tr("now")

    def seconds(self, n: int) -> str:
        return self.tr("%n s", "seconds ago, short", n)

    def minutes(self, n: int) -> str:
        return self.tr("%n min", "minutes ago, short", n)

    def hours(self, n: int) -> str:
        return self.tr("%n h", "hours ago, short", n)


@cache
def _words() -> RelativeTime:
    return RelativeTime()


def _qt(then: datetime) -> QDateTime:
    local = then.astimezone()
    return QDateTime(
        QDate(local.year, local.month, local.day),
        QTime(local.hour, local.minute, local.second),
    )


def relative_time(then: datetime, now: datetime) -> str:
    """Say how long ago ``then`` was, briefly enough for the corner of a row.

    Both values are timezone-aware. Anything in the future (clock skew between the
    server and this machine) reads as "now" rather than as a negative age.
    """
    seconds = (now - then).total_seconds()
    words = _words()
    if seconds < 10:
        return words.now()
    if seconds < 60:
        return words.seconds(int(seconds))
    if seconds < 3600:
        return words.minutes(int(seconds // 60))
    if seconds < 86400:
        return words.hours(int(seconds // 3600))
    locale = QLocale()
    when = _qt(then)
    if now - then < timedelta(days=7):
        day = locale.dayName(when.date().dayOfWeek(), QLocale.FormatType.ShortFormat)
        return f"{day} {locale.toString(when.time(), QLocale.FormatType.ShortFormat)}"
    return _date(locale, when.date())


def _date(locale: QLocale, date: QDate) -> str:
    # The C locale (LANG=C, common on servers and in containers) writes "30 11 2026": ISO
    # dates read better there.
    if locale.language() == QLocale.Language.C:
        return date.toString("yyyy-MM-dd")
    return locale.toString(date, QLocale.FormatType.ShortFormat)


def absolute_time(then: datetime) -> str:
    """The full local time, for tooltips and the details pane."""
    locale = QLocale()
    when = _qt(then)
    seconds = _ZONE.sub("", locale.timeFormat(QLocale.FormatType.LongFormat))
    return f"{_date(locale, when.date())} {locale.toString(when.time(), seconds)}"


def clock_time(then: datetime) -> str:
    """``then``'s time of day (in its own time zone), as the user's locale writes it
    ("14:05", "2:05 PM")."""
    return QLocale().toString(QTime(then.hour, then.minute), QLocale.FormatType.ShortFormat)
