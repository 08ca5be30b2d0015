"""Beacon's translations: refresh the .ts sources from the code, compile them to .qm.

    python packaging/translations.py update          # after adding or changing tr() strings
    python packaging/translations.py compile [DEST]  # .ts -> .qm (default: next to the .ts)

``update`` runs pyside6-lupdate over desktop/beacon/: new strings appear in
resources/translations/beacon_de.ts as ``type="unfinished"`` until translated (in Qt
Linguist, ``pyside6-linguist``, or by hand); strings gone from the code are dropped.
``beacon_en.ts`` holds only the English plural forms ("1 new update" / "2 new updates").

``compile`` is the build's step, the same for the three ways Beacon runs: the wheel's
build hook (packaging/hatch_build.py) compiles into the wheel, packaging/beacon.spec into
the bundle, and tests/run and ./beacon into the checkout's resources/translations/ (where
the .qm files are ignored by git: they are built, never committed). A .qm already newer
than its .ts is left alone.

Both need PySide6's lupdate and lrelease, which PySide6-Essentials ships.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "desktop" / "beacon"
TRANSLATIONS = ROOT / "resources" / "translations"
_EXTRACOMMENT = re.compile(r"\n *<extracomment>.*?</extracomment>", re.DOTALL)
#: Each catalogue, and whether it carries only plural forms (the source language's).
CATALOGUES = {"beacon_de.ts": False, "beacon_en.ts": True}


def qt_tool(name: str) -> str:
    """PySide6's own copy of a Qt tool (lupdate, lrelease), from the running Python's
    PySide6: no Qt installation is assumed."""
    import PySide6

    folder = Path(PySide6.__file__).resolve().parent
    for candidate in (folder / name, folder / f"{name}.exe", folder / "Qt" / "bin" / name):
        if candidate.is_file():
            return str(candidate)
    raise FileNotFoundError(f"PySide6 at {folder} has no {name}")


def update() -> None:
    """Refresh every .ts from the code (pyside6-lupdate)."""
    files = sorted(str(p) for p in SOURCES.rglob("*.py"))
    for name, plural_only in CATALOGUES.items():
        args = [qt_tool("lupdate"), *files, "-no-obsolete", "-locations", "none"]
        if plural_only:
            args.append("-pluralonly")
        language = name.removeprefix("beacon_").removesuffix(".ts")
        args += ["-source-language", "en", "-target-language", language]
        ts = TRANSLATIONS / name
        subprocess.run([*args, "-ts", str(ts)], check=True)
        # lupdate takes every "#:" comment (our attribute docs) before a tr() call for a
        # note to the translator, and glues unrelated ones onto messages: left out.
        text = ts.read_text(encoding="utf-8")
        ts.write_text(_EXTRACOMMENT.sub("", text), encoding="utf-8")


def compile_all(dest: Path = TRANSLATIONS, *, force: bool = False) -> list[Path]:
    """Compile every .ts to ``dest``/NAME.qm (pyside6-lrelease); the .qm files."""
    dest.mkdir(parents=True, exist_ok=True)
    built = []
    for ts in sorted(TRANSLATIONS.glob("*.ts")):
        qm = dest / f"{ts.stem}.qm"
        if force or not qm.is_file() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([qt_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
        built.append(qm)
    return built


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["compile"] and len(argv) <= 2:
        compile_all(Path(argv[1]) if len(argv) == 2 else TRANSLATIONS)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
