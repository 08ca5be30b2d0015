"""The user's language: Beacon's translations and Qt's own, installed before any window.

The strings in the code are English, with Qt's plural markers ("%n new update(s)"); the
compiled catalogues live in the resources folder's ``translations/`` (``beacon_de.qm``, and
``beacon_en.qm`` for the English plural forms), built from the ``.ts`` sources by
``packaging/translations.py``. The language follows the system (QLocale.system(): LANGUAGE,
LC_ALL, LC_MESSAGES, LANG) unless the config's ``[interface] language`` names one. Dates,
times and numbers follow the same locale (:func:`install` makes it QLocale's default).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

from beacon.feed.item import Priority
from beacon.resources import ResourceMissing, resources_dir

__all__ = ["CATALOGUE", "QT_TRANSLATE_NOOP", "install", "priority_word", "translations_dir"]

log = logging.getLogger("beacon.ui")

#: The catalogues' base name: beacon_de.qm, beacon_en.qm.
CATALOGUE = "beacon"
#: The language of the source strings, whose catalogue only adds the plural forms.
SOURCE_LANGUAGE = "en"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for lupdate, in ``context``; it is translated where it is shown
    (``QCoreApplication.translate(context, text)``). Qt's own is typed as returning
    object; lupdate finds the call by its name either way."""
    return text


# The translators installed now: a second install (the tests build many apps) replaces them.
_installed: list[QTranslator] = []


def translations_dir() -> str:
    """The folder of the compiled catalogues, inside the resources folder."""
    return str(resources_dir() / "translations")


def install(language: str = "") -> QLocale:
    """Install the translations for ``language`` ("" or None: the system's) on the running
    application, replacing any installed before, and make its locale the default for
    dates and numbers. Returns that locale."""
    app = QCoreApplication.instance()
    assert app is not None, "install() needs the application"
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    locale = QLocale(language) if language else QLocale.system()
    QLocale.setDefault(locale)
    try:
        folder = translations_dir()
    except ResourceMissing as exc:  # a broken install: English without plural forms
        log.error("No translations: %s", exc)
        return locale
    beacon, qt = QTranslator(), QTranslator()
    # load(locale, ...) tries each of the locale's UI languages (de-DE, de, ...) in turn.
    if beacon.load(locale, CATALOGUE, "_", folder):
        # Qt's own strings (the standard context menus, dialog buttons) in the same
        # language, when PySide6 has them; not for a language Beacon lacks, which would
        # put a French "Enregistrer" among English words.
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(locale, "qtbase", "_", qt_folder):
            app.installTranslator(qt)
            _installed.append(qt)
    elif not beacon.load(f"{CATALOGUE}_{SOURCE_LANGUAGE}", folder):
        log.error(
            "No %s catalogue in %s: is the build's translation step missing?", CATALOGUE, folder
        )
        return locale
    # Installed last, so asked first.
    app.installTranslator(beacon)
    _installed.append(beacon)
    return locale


_PRIORITY_WORDS = {
    "low": QT_TRANSLATE_NOOP("Priority", "low"),
    "normal": QT_TRANSLATE_NOOP("Priority", "normal"),
    "high": QT_TRANSLATE_NOOP("Priority", "high"),
    "urgent": QT_TRANSLATE_NOOP("Priority", "urgent"),
}


def priority_word(priority: Priority) -> str:
    """A priority as a word in the user's language ("high", "hoch")."""
    name = priority.name.lower()
    return QCoreApplication.translate("Priority", _PRIORITY_WORDS.get(name, name))
