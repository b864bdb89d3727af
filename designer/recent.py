"""File names the window shows and proposes: labels of the Open Recent menu (a file's name
and its folder, the home folder written ``~``) and the stem a design's name gives a file.
No Qt here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

__all__ = ["recent_labels", "file_stem", "design_file_stem"]

# what Windows, macOS or Linux refuse in a file name, and control characters
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
#: A design's name as a template gives it: the title, then its parameters in brackets.
_PARAMS = re.compile(r"^(?P<title>.*?)\s*\((?P<params>[^()]*=[^()]*)\)\s*$")


def recent_labels(paths: Sequence[str], home: str | None = None,
                  max_folder: int = 50) -> list[str]:
    """Return a menu label per path: the file name and its folder, the home folder
    written ``~`` and a long folder shortened in its middle at a ``/``; where two labels
    still read alike, the fewest trailing folders that tell them apart.

    Examples
    --------
    >>> recent_labels(["/home/u/halls/a.json", "/srv/x/b.json"], home="/home/u")
    ['a.json — ~/halls', 'b.json — /srv/x']
    >>> recent_labels(["/home/u/a.json", "/a.json"], home="/home/u")
    ['a.json — ~', 'a.json — /']
    >>> recent_labels(["/data/projects/2026/customer-one/site-b/hall-3/plan.json"],
    ...               max_folder=30)
    ['plan.json — /data/…/site-b/hall-3']
    >>> recent_labels(["/d/aaaaaaaaaa/x/e.json", "/d/bbbbbbbbbb/x/e.json"], max_folder=8)
    ['e.json — aaaaaaaaaa/x', 'e.json — bbbbbbbbbb/x']
    """
    parts = [PurePath(p) for p in paths]
    labels = [f"{p.name} — {_folder_text(p.parent, home, max_folder)}" for p in parts]
    by_label: dict[str, list[int]] = {}
    for k, label in enumerate(labels):
        by_label.setdefault(label, []).append(k)
    for group in by_label.values():
        if len(group) < 2:
            continue
        folders = [parts[k].parent.parts for k in group]
        depth = max(len(f) for f in folders)
        for n in range(1, depth + 1):
            tails = [_tail(f, n) for f in folders]
            if len(set(tails)) == len(tails):
                break
        for k, tail in zip(group, tails, strict=True):
            labels[k] = f"{parts[k].name} — {tail}"
    return labels


def _folder_text(folder: PurePath, home: str | None, max_chars: int) -> str:
    """A folder as a menu shows it: ``~`` for the home folder, the middle left out (at a
    separator) beyond ``max_chars``."""
    head, rest = folder.anchor or "", list(folder.parts[1:] if folder.anchor else folder.parts)
    if home:
        home_path = PurePath(home)
        if folder == home_path or home_path in folder.parents:
            head, rest = "~", list(folder.relative_to(home_path).parts)
    sep = "/" if head in ("", "~", "/") else "\\"
    text = head + ((sep if head == "~" else "") + sep.join(rest) if rest else "")
    if len(text) <= max_chars or len(rest) < 2:
        return text or "/"
    lead = head + (sep if head == "~" else "") + rest[0] + sep + "…"
    tail: list[str] = []
    for part in reversed(rest[1:]):
        if len(lead) + len(sep.join([part, *tail])) + 1 > max_chars and tail:
            break
        tail.insert(0, part)
    return lead + sep + sep.join(tail)


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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")


def design_file_stem(name: str, max_chars: int = 60) -> str:
    """Return the file name stem Save proposes for a design's name: a name a template
    gave (its title, then ``(key=value, ...)``) as lower-case words and values joined by
    hyphens, whole parameters only up to ``max_chars``; any other name as
    :func:`file_stem` keeps it.

    Examples
    --------
    >>> design_file_stem("DGX H100 hall (racks=16, racks_per_row=8)")
    'dgx-h100-hall-racks-16-racks-per-row-8'
    >>> design_file_stem("NVIDIA DGX SuperPOD with DGX H100 (scalable_units=2, "
    ...                  "fabric_plan=tested, ufm_port=True, racks_per_row=16)")
    'nvidia-dgx-superpod-with-dgx-h100-scalable-units-2'
    >>> design_file_stem("Pod (ufm_port=False)"), design_file_stem("Hall 3: west")
    ('pod-no-ufm-port', 'Hall 3 west')
    """
    m = _PARAMS.match(name)
    if m is None:
        return file_stem(name, max_chars)
    stem = _slug(m["title"])[:max_chars].rstrip("-.")
    if len(stem) == max_chars and "-" in stem:
        stem = stem.rsplit("-", 1)[0]
    for item in m["params"].split(","):
        key, _, value = (s.strip() for s in item.partition("="))
        value_l = value.lower()
        part = (_slug(key) if value_l == "true" else f"no-{_slug(key)}" if value_l == "false"
                else f"{_slug(key)}-{_slug(value)}")
        if not part.strip("-") or len(stem) + 1 + len(part) > max_chars:
            break
        stem = f"{stem}-{part}" if stem else part
    return stem or file_stem(name, max_chars)
