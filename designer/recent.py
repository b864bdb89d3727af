"""Labels of the Open Recent menu: a file's name, with as much of its folder as tells it
apart from another recent file of the same name. No Qt here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

__all__ = ["recent_labels"]


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
