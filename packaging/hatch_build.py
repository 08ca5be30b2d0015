"""The wheel's build step for translations: resources/translations/*.ts compiled to .qm
beside them, from where pyproject.toml's force-include of resources/ takes them into the
wheel (beacon/_resources/translations/), fresh from the sources at every build.

Hatchling runs this for ``pip install .``, ``pipx install .`` and ``pip wheel .``
(pyproject.toml's ``[tool.hatch.build.targets.wheel.hooks.custom]``). The .qm files are
built, never committed; lrelease comes from PySide6-Essentials, a build requirement.
An editable install skips it: a checkout's Beacon reads resources/ itself, and tests/run
and ./beacon compile there (packaging/translations.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class TranslationsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        spec = importlib.util.spec_from_file_location(
            "beacon_translations", Path(self.root) / "packaging" / "translations.py"
        )
        assert spec is not None and spec.loader is not None
        translations = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(translations)
        translations.compile_all(force=True)
