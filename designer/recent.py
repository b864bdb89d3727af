"""File names the window shows and proposes: labels of the Open Recent menu (a file's name,
with as much of its folder as tells it apart from another recent file of the same name) and
the stem a design's name gives a file. No Qt here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

__all__ = ["recent_labels", "file_stem"]

# what Windows, macOS or Linux refuse in a file name, and control characters
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def recent_labels(paths: Sequence[str]) -> list[str]:
    """Return a menu label per path: the file name, and where names clash, the fewest
    trailing folders that make every clashing label different.

    Examples
    --------
    >>> recent_labels(["/a/x/edited.json", "/b/y/edited.json", "/c/hall.json"])
    ['edited.json — x', 'edited.json — y', 'hall.json']
    >>> recent_labels(["/home/u/review/edited.json", "/tmp/review/edited.json"])
    ['edited.json — u/review', 'edited.json — tmp/review']
    >>> recent_labels(["/edited.json", "/tmp/edited.json"])
    ['edited.json — /', 'edited.json — tmp']
    """
    parts = [PurePath(p) for p in paths]
    by_name: dict[str, list[int]] = {}
    for k, p in enumerate(parts):
        by_name.setdefault(p.name, []).append(k)
    labels = [p.name for p in parts]
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        folders = [parts[k].parent.parts for k in group]
        depth = max(len(f) for f in folders)
        for n in range(1, depth + 1):
            tails = [_tail(f, n) for f in folders]
            if len(set(tails)) == len(tails):
                break
        for k, tail in zip(group, tails, strict=True):
            labels[k] = f"{name} — {tail}"
    return labels


def _tail(folder: tuple[str, ...], n: int) -> str:
    """The last ``n`` folders of a path's parent, the root written as ``/``."""
    parts = folder[-n:] if n < len(folder) else folder
    if not parts:
        return "/"
    root, rest = (parts[0], parts[1:]) if parts[0] in ("/", "\\") or parts[0].endswith(
        ("/", "\\")) else ("", parts)
    text = "/".join(rest)
    return (root + text) if root else text or "/"


def file_stem(name: str, max_chars: int = 60, fallback: str = "layout") -> str:
    """Return a file name stem for a design's name: characters a file system refuses
    dropped, runs of spaces made one, at most ``max_chars`` long (cut at a word).

    Examples
    --------
    >>> file_stem("Hall 3: row A/B ")
    'Hall 3 row AB'
    >>> file_stem("NVIDIA DGX SuperPOD with DGX H100 (scalable_units=2)", 30)
    'NVIDIA DGX SuperPOD with DGX'
    >>> file_stem(" ... ")
    'layout'
    """
    text = " ".join(_UNSAFE.sub("", name).split()).strip(" .")
    if len(text) > max_chars:
        cut = text[:max_chars + 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut[:max_chars]).rstrip(" .-_,(")
    return text or fallback
