"""Beacon's files that are not code (icons, .desktop templates), found the same way in a
checkout, an installed wheel and a PyInstaller bundle.

The files live once, in the top-level ``resources/`` folder. A wheel and a bundle carry a
copy of it inside the package, as ``beacon/_resources/`` (pyproject.toml's
``force-include``, packaging/beacon.spec's ``datas``); a checkout, run from ``desktop/``
or installed in editable mode, has only the top-level folder. The copy is not called
``beacon/resources/``: that name is this module's.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

__all__ = ["ResourceMissing", "app_icon", "resource", "resources_dir"]

#: The copy's name inside the package.
PACKAGED = "_resources"
#: The app icon, relative to the resources folder.
APP_ICON = "icons/beacon.svg"


class ResourceMissing(FileNotFoundError):
    """The resources folder, or a file in it, is not where an install puts it: a broken
    install or a checkout without ``resources/``."""


@cache
def resources_dir() -> Path:
    """The resources folder: the package's copy when there is one, else the checkout's."""
    # files() gives a real directory for a package on disk, which wheels and PyInstaller's
    # one-folder bundle both are (no zip imports), so Path() of it is safe.
    packaged = Path(str(files("beacon"))) / PACKAGED
    checkout = Path(__file__).resolve().parents[2] / "resources"
    for candidate in (packaged, checkout):
        if candidate.is_dir():
            return candidate
    raise ResourceMissing(f"no resources folder at {packaged} or {checkout}")


def resource(name: str) -> Path:
    """The file ``name`` (a ``/``-separated path) in the resources folder."""
    path = resources_dir().joinpath(*name.split("/"))
    if not path.is_file():
        raise ResourceMissing(f"{name} is not in {resources_dir()}")
    return path


def app_icon() -> QIcon:
    """Beacon's icon, for the window and the application (Qt's SVG plugin draws it)."""
    # Imported here: the paths above serve Qt-free callers too (services/autostart.py).
    from PySide6.QtGui import QIcon

    icon = QIcon(str(resource(APP_ICON)))
    # The rendered PNGs too (packaging/make_icons.py): a bundle that leaves out Qt's SVG
    # plugins still has an icon, and the common sizes need no drawing at run time.
    hicolor = resources_dir() / "icons" / "hicolor"
    for png in sorted(hicolor.glob("*/apps/beacon.png")):
        icon.addFile(str(png))
    return icon
