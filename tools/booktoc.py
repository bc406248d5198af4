"""The documents of the book in reading order, as ``_toc.yml`` lists them.

One walker for the build's pre-execution (``tools/preexecute.py``) and the tests.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def _files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("chapters", "parts", "sections"):
            yield from _files(entry.get(key, []))


def toc_files(root: Path) -> list[str]:
    """The root document and every ``file:`` entry of ``root/_toc.yml``, without suffix."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"], *_files(toc.get("parts", []) + toc.get("chapters", []))]


def toc_parts(root: Path) -> list[tuple[str | None, list[str]]]:
    """The same documents grouped as the book shows them: (part caption, files without suffix).

    The root document forms a part of its own without caption; so do chapters listed outside
    any part.
    """
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    parts = [(None, [toc["root"]])]
    parts += [(part.get("caption"), list(_files(part.get("chapters", [])))) for part in toc.get("parts", [])]
    if toc.get("chapters"):
        parts.append((None, list(_files(toc["chapters"]))))
    return parts
