"""The ribbon as data: the buttons of ``addin/customUI.xml``.

``customUI.xml`` is the single source of the button labels; the dispatcher uses them as
message-box titles and the add-in builder checks the callback rules.  No xlwings here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ADDIN_DIR = Path(__file__).resolve().parent / "addin"
CUSTOM_UI = ADDIN_DIR / "customUI.xml"
#: Office 2010+ ribbon schema (stored in the add-in as customUI/customUI14.xml)
NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
#: the one VBA callback every button shares (module GxxlRibbon in addin/GxxlRibbon.bas)
CALLBACK = "GxxlRibbon.OnAction"
#: a tag is pasted into a Python string literal by the callback: keep it a plain identifier
TAG = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Button:
    id: str
    tag: str
    label: str
    on_action: str
    group: str


def parse_buttons(xml: str | bytes) -> list[Button]:
    """Every ``<button>`` of a customUI document, in ribbon order."""
    root = ET.fromstring(xml)
    out = []
    for group in root.iter(f"{{{NAMESPACE}}}group"):
        for b in group.iter(f"{{{NAMESPACE}}}button"):
            out.append(Button(
                id=b.get("id", ""), tag=b.get("tag", ""), label=b.get("label", ""),
                on_action=b.get("onAction", ""), group=group.get("label", ""),
            ))
    return out


def check_buttons(buttons: list[Button]) -> list[str]:
    """Problems with the ribbon (empty when it follows the rules): shared callback, plain unique tags."""
    problems = []
    seen: set[str] = set()
    if not buttons:
        problems.append("customUI.xml has no buttons")
    for b in buttons:
        if b.on_action != CALLBACK:
            problems.append(f"button {b.id}: onAction is {b.on_action!r}, every button must use {CALLBACK!r}")
        if not TAG.match(b.tag):
            problems.append(f"button {b.id}: tag {b.tag!r} must be a lower-case identifier naming a Python action")
        elif b.tag in seen:
            problems.append(f"button {b.id}: tag {b.tag!r} is used twice")
        seen.add(b.tag)
    return problems


@lru_cache(maxsize=1)
def buttons() -> tuple[Button, ...]:
    return tuple(parse_buttons(CUSTOM_UI.read_bytes()))


def label(tag: str) -> str:
    """The button label for a tag (「校验本表」), or the tag itself."""
    return next((b.label for b in buttons() if b.tag == tag), tag)
