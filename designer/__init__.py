"""Rackscape's desktop designer (PySide6) and command line over :mod:`engine`."""

import engine as _engine  # noqa: F401 - its thread policy must precede numpy's import
