"""The two library profiles the suite runs in: ours (``.venv``, setup.cfg's ``local`` extra) and
the Synapse 3.5 pool's (``.venv-synapse``, ``profiles/synapse-3.5``). Imported as ``profile_support``."""
from __future__ import annotations

import configparser
import os
import re

from support import ROOT

SYNAPSE_DIR = ROOT / "profiles" / "synapse-3.5"
CONSTRAINTS = SYNAPSE_DIR / "constraints.txt"


def active_profile() -> str:
    """``synapse`` under ``make test-synapse`` (SYNHELPERS_PROFILE=synapse), else ``local``."""
    return "synapse" if os.environ.get("SYNHELPERS_PROFILE", "").lower() == "synapse" else "local"


def _setup_options() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser


def _requirement_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith(("#", "-"))]


def base_requirements() -> list[str]:
    """``install_requires`` of setup.cfg: what the wheel asks a pool to install."""
    return _requirement_lines(_setup_options()["options"]["install_requires"])


def pins(lines: list[str]) -> dict[str, str]:
    """``name -> version`` of ``name==version`` lines (names normalised as pip does)."""
    out = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if match:
            out[normalise(match.group(1))] = match.group(2)
    return out


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pool_pins() -> dict[str, str]:
    """The Synapse 3.5 pool's versions (constraints.txt)."""
    return pins(_requirement_lines(CONSTRAINTS.read_text()))


def local_pins() -> dict[str, str]:
    """Our local stack's versions (setup.cfg's ``local`` extra)."""
    return pins(_requirement_lines(_setup_options()["options.extras_require"]["local"]))
