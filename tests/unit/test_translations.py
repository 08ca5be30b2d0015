"""The translations: complete, in step with the code, and what the app loads is built
from them (packaging/translations.py; resources/translations/)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from beacon.resources import resources_dir

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "resources" / "translations"
GERMAN = SOURCES / "beacon_de.ts"
ENGLISH = SOURCES / "beacon_en.ts"

Message = tuple[str, str]  # (context, source)


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "beacon_translations", ROOT / "packaging" / "translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _messages(ts: Path) -> dict[Message, ET.Element]:
    found: dict[Message, ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def _forms(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    assert translation is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in translation.iter("numerusform")]
    return [translation.text or ""]


def _unfinished(message: ET.Element) -> bool:
    translation = message.find("translation")
    return translation is None or translation.get("type") is not None


def test_every_german_message_is_translated() -> None:
    messages = _messages(GERMAN)
    assert len(messages) > 250  # the whole UI, not a sample
    unfinished = [
        key
        for key, message in messages.items()
        if _unfinished(message) or not all(form.strip() for form in _forms(message))
    ]
    assert unfinished == []
    plurals = [key for key, message in messages.items() if message.get("numerus") == "yes"]
    assert plurals and all(len(_forms(messages[key])) == 2 for key in plurals)  # de: one, many


def test_english_gives_the_plural_forms() -> None:
    messages = _messages(ENGLISH)
    assert ("UpdateBarWords", "%Ln new update(s)") in messages
    for key, message in messages.items():
        assert message.get("numerus") == "yes", key
        one, many = _forms(message)
        assert "(s)" not in one + many, key


_PLACEHOLDER = re.compile(r"\{\w*\}|%L?n|%\d")


def _mnemonics(text: str) -> int:
    return len(re.findall(r"&(?!&)(?=\S)", text.replace("&&", "")))


@pytest.mark.parametrize("ts", [GERMAN, ENGLISH], ids=["de", "en"])
def test_placeholders_and_accelerators_survive_translation(ts: Path) -> None:
    lost = []
    for (context, source), message in _messages(ts).items():
        for form in _forms(message):
            if sorted(_PLACEHOLDER.findall(form)) != sorted(_PLACEHOLDER.findall(source)):
                lost.append((context, source, form))
            elif _mnemonics(form) != _mnemonics(source):
                lost.append((context, source, form))
    assert lost == []


def test_the_ts_files_hold_every_string_of_the_code(tmp_path: Path) -> None:
    """What ``translations.py update`` would change: nothing (lupdate run over the code
    into copies of the .ts files)."""
    tool = _tool()
    copies = tmp_path / "translations"
    shutil.copytree(SOURCES, copies, ignore=shutil.ignore_patterns("*.qm"))
    tool.TRANSLATIONS = copies
    tool.update()
    for name in ("beacon_de.ts", "beacon_en.ts"):
        fresh = _messages(copies / name)
        kept = _messages(SOURCES / name)
        assert sorted(set(fresh) - set(kept)) == [], f"{name}: new strings; run update"
        assert sorted(set(kept) - set(fresh)) == [], f"{name}: strings gone from the code"
        assert not any(_unfinished(m) for m in fresh.values()), f"{name}: unfinished"


def test_the_loaded_catalogues_are_built_from_the_sources(tmp_path: Path) -> None:
    """The .qm files the app loads (the checkout's, or an installed copy's) are what
    lrelease makes of the .ts files now: none stale, none missing."""
    tool = _tool()
    fresh = tool.compile_all(tmp_path, force=True)
    assert sorted(qm.name for qm in fresh) == ["beacon_de.qm", "beacon_en.qm"]
    loaded = resources_dir() / "translations"
    for qm in fresh:
        assert (loaded / qm.name).read_bytes() == qm.read_bytes(), f"{qm.name} is stale"
