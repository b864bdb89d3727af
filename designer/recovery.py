"""Crash recovery files: autosaved copies of open documents.

Each open document writes its layout to its own recovery file (atomically)
every minute and at each save. A clean close deletes the file; after a crash
or a kill the file stays, and the next start finds it with
:func:`pending_recoveries` and offers to restore it. Nothing here needs Qt, so
tests use it headless.

The folder is ``platformdirs.user_state_dir("rackscape")/recovery``, or
``$RACKSCAPE_RECOVERY_DIR`` when set.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from engine.errors import InputError, load_json_file
from engine.io import MAX_FILE_BYTES, atomic_write_bytes, layout_from_dict, load_layout
from engine.model import Layout

__all__ = ["RECOVERY_SCHEMA", "ANY_DOCUMENT", "RecoveryFile", "RecoveryProblem", "recovery_dir",
           "new_recovery_path", "write_recovery", "read_recovery", "pending_recoveries", "discard",
           "process_started"]

RECOVERY_SCHEMA = "rackscape.recovery/1"


@dataclass(frozen=True)
class RecoveryFile:
    """A recovery file found on disk: where it is and which document it belongs to."""

    path: Path
    document: Path | None
    name: str
    written_at: float
    pid: int
    #: which run of ``pid`` wrote it (boot and start time), None where the system does not say
    started: str | None = None
    #: the document was saved after this copy was written (another session saved it)
    is_older_than_file: bool = False

    def describe(self) -> str:
        """Return one line for a restore prompt."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.written_at))
        what = str(self.document) if self.document else f"unsaved design “{self.name}”"
        later = "; the file was saved after it" if self.is_older_than_file else ""
        return f"{what}, autosaved {when}{later}"


def recovery_dir(create: bool = True) -> Path:
    """Return the folder of recovery files (created when missing, if ``create``)."""
    env = os.environ.get("RACKSCAPE_RECOVERY_DIR")
    if env:
        folder = Path(env)
    else:
        import platformdirs

        folder = Path(platformdirs.user_state_dir("rackscape", appauthor=False)) / "recovery"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_recovery_path() -> Path:
    """Return a fresh recovery file path for one document session."""
    return recovery_dir(create=False) / f"{uuid.uuid4().hex[:12]}.recovery.json"


def write_recovery(layout: Layout, document: str | os.PathLike | None, target: Path) -> None:
    """Write ``layout`` (and the path of its document) to ``target`` atomically."""
    payload = {"schema": RECOVERY_SCHEMA, "document": str(Path(document).resolve()) if document
               else None, "name": layout.name, "written_at": time.time(), "pid": os.getpid(),
               "started": process_started(os.getpid()),
               "layout": layout.model_dump(mode="json")}
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, json.dumps(payload).encode("utf-8"))


def _info(path: Path, data: dict) -> RecoveryFile:
    doc = data.get("document")
    started = data.get("started")
    return RecoveryFile(path=path, document=Path(doc) if doc else None,
                        name=str(data.get("name") or "Untitled"),
                        written_at=float(data.get("written_at") or path.stat().st_mtime),
                        pid=int(data.get("pid") or 0),
                        started=started if isinstance(started, str) else None)


def read_recovery(path: str | os.PathLike) -> tuple[Layout, RecoveryFile]:
    """Read a recovery file; raise :class:`InputError` when it is unreadable."""
    path = Path(path)
    # a regular file, bounded, valid JSON: every failure is one InputError
    data = load_json_file(path, MAX_FILE_BYTES, "recovery file")
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != RECOVERY_SCHEMA:
        prefix = RECOVERY_SCHEMA.rsplit("/", 1)[0] + "/"
        if isinstance(schema, str) and schema.startswith(prefix):
            raise InputError(path, "schema", f"{RECOVERY_SCHEMA} (file is {schema}, written by "
                             "a newer Rackscape)")
        raise InputError(path, "schema", RECOVERY_SCHEMA)
    layout = layout_from_dict(data.get("layout"), path)
    try:
        info = _info(path, data)
    except (TypeError, ValueError):
        raise InputError(path, "written_at, pid", "a time and a process id") from None
    return layout, info


@dataclass(frozen=True)
class RecoveryProblem:
    """A recovery file that cannot be offered: what is wrong and what was done with it.

    A file of a newer Rackscape or one this user cannot read stays where it is
    (``moved_to`` None); a damaged one is renamed to ``*.bad`` beside it.
    """

    path: Path
    reason: str
    moved_to: Path | None = None

    def describe(self) -> str:
        """Return one line for the status bar."""
        where = (f"renamed to {self.moved_to.name}" if self.moved_to else "left in place")
        return f"{self.path.name} in {self.path.parent}: {self.reason} ({where})"


def _set_aside(path: Path, exc: Exception) -> RecoveryProblem:
    """Return what is wrong with an unusable recovery file, renaming a damaged one."""
    expected = getattr(exc, "expected", "") or ""
    if isinstance(exc, OSError) or expected.startswith("a readable") \
            or not os.access(path, os.R_OK):
        detail = getattr(exc, "strerror", None) or expected or str(exc)
        return RecoveryProblem(path, f"cannot be read ({detail})")
    if "newer Rackscape" in expected:
        return RecoveryProblem(path, f"written by a newer Rackscape: expected {expected}")
    reason = f"damaged: {getattr(exc, 'field', '') or 'file'}: expected {expected}" \
        if expected else f"damaged: {exc}"
    bad = path.with_name(path.name + ".bad")
    try:
        os.replace(path, bad)
    except OSError:
        return RecoveryProblem(path, reason)
    return RecoveryProblem(path, reason, bad)


def process_started(pid: int) -> str | None:
    """Return what tells process ``pid`` from a later one given the same number: the
    boot it runs in and its start time (Linux ``/proc``); None where the system does not
    say."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return f"{boot}:{fields[19]}"
    except (OSError, IndexError):
        return None


def _runs_rackscape(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().lower()
    except OSError:
        return True  # cannot tell: leave its file alone
    return b"rackscape" in cmdline or b"designer" in cmdline


def _alive(pid: int, started: str | None = None) -> bool:
    """Return whether the session that wrote a recovery file still runs.

    A process of that number is not enough: after a reboot or a long while the
    number belongs to another program, and the copy of the crashed session would
    never be offered. Its start time (or, for a file that does not record it, its
    command line) must match too.
    """
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # another user's process: it exists
    now = process_started(pid)
    if now is None:
        return True  # the system does not say: assume it is the one
    if started is not None:
        return now == started
    return _runs_rackscape(pid)


ANY_DOCUMENT = object()  # pending_recoveries(ANY_DOCUMENT): the files of every design


def pending_recoveries(document: str | os.PathLike | None | object = None,
                       folder: Path | None = None,
                       exclude: Path | None = None,
                       problems: list[RecoveryProblem] | None = None) -> list[RecoveryFile]:
    """Return the recovery files worth offering, newest first.

    With ``document``, only its recovery files that differ from the document
    on disk (one written before the file was last saved says so:
    :attr:`RecoveryFile.is_older_than_file`); without, the recovery files of
    unsaved designs; with :data:`ANY_DOCUMENT`, those of every design (a bare start offers them
    all). Files of another running Rackscape (that very process: its number
    may have been given to another program since), and ``exclude`` (the asking
    document's own file), are left alone; ones equal to their document are
    deleted. A file that cannot be used is never deleted: it is described in
    ``problems``, and a damaged one is renamed to ``*.bad`` (one of a newer
    Rackscape, or one that cannot be read, stays as it is).
    """
    folder = folder or recovery_dir(create=False)
    if not folder.is_dir():
        return []
    every = document is ANY_DOCUMENT
    want = None if every or not document else Path(document).resolve()
    out: list[RecoveryFile] = []
    for path in folder.glob("*.recovery.json"):
        if exclude is not None and path == Path(exclude):
            continue
        try:
            layout, info = read_recovery(path)
        except (InputError, OSError, ValueError) as exc:
            found_problem = _set_aside(path, exc)
            if problems is not None:
                problems.append(found_problem)
            continue
        if _alive(info.pid, info.started) or (not every and info.document != want):
            continue
        saved = info.document
        if saved is not None and saved.exists():
            try:
                if load_layout(saved) == layout:  # nothing to recover: the file has it all
                    path.unlink(missing_ok=True)
                    continue
            except InputError:
                pass
            # saved since (by another session, or a Save As over it): the copy still holds
            # work the file does not, so it is offered, and says so
            with contextlib.suppress(OSError):
                if info.written_at <= saved.stat().st_mtime:
                    info = replace(info, is_older_than_file=True)
        out.append(info)
    out.sort(key=lambda r: r.written_at, reverse=True)
    return out


def discard(rec: RecoveryFile | Path | None) -> bool:
    """Delete a recovery file; return whether it is gone (missing is fine, a folder that
    does not allow it is not: the file stays, to be offered again)."""
    if rec is None:
        return True
    try:
        Path(rec.path if isinstance(rec, RecoveryFile) else rec).unlink(missing_ok=True)
    except OSError:
        return False
    return True
