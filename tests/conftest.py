"""Shared test set-up: Qt offscreen, isolated user folders, catalog and layout builders.

The environment is set before anything imports Qt or the engine, so no test
reads or writes the real user catalog, template library or recovery folder;
subprocesses started by tests inherit the same isolation.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_ISOLATED = Path(tempfile.mkdtemp(prefix="rackscape-tests-"))
atexit.register(shutil.rmtree, _ISOLATED, ignore_errors=True)
# every temporary file of the run (doctests' scratch folders, subprocesses' too) lives
# under the isolated folder and goes with it
(_ISOLATED / "tmp").mkdir()
os.environ["TMPDIR"] = tempfile.tempdir = str(_ISOLATED / "tmp")
# forced, not defaulted: a developer's own user folder must never leak into a test
os.environ["RACKSCAPE_USER_DIR"] = str(_ISOLATED / "user")
os.environ["XDG_DATA_HOME"] = str(_ISOLATED / "xdg-data")  # platformdirs fallback
os.environ["XDG_STATE_HOME"] = str(_ISOLATED / "xdg-state")
os.environ["XDG_CONFIG_HOME"] = str(_ISOLATED / "xdg-config")  # Qt settings, recent files
os.environ.setdefault("RACKSCAPE_RECOVERY_DIR", str(_ISOLATED / "recovery"))

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import engine  # noqa: E402, F401 - its BLAS thread policy, before anything loads numpy
from engine.catalog import Catalog, load_catalog  # noqa: E402
from engine.model import (  # noqa: E402
    CoolingUnit,
    Hall,
    Layout,
    MountedDevice,
    Obstacle,
    PowerFeed,
    Rack,
)

settings.register_profile(
    "rackscape", deadline=None, max_examples=int(os.environ.get("RACKSCAPE_HYPOTHESIS_EXAMPLES", 60)),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("rackscape")

DGX_H100_RACK = ("dgx-h100",) * 4


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The built-in catalog only (never a user folder)."""
    return load_catalog(user_dir=None)


@pytest.fixture(scope="session")
def isolated_user_dir() -> Path:
    """The user folder every test sees through ``RACKSCAPE_USER_DIR``."""
    return Path(os.environ["RACKSCAPE_USER_DIR"])


class LayoutBuilder:
    """Build small layouts in a few lines.

    >>> lay = (LayoutBuilder(10, 8).rack("R1", 2, 2).crah("C1", 9, 4, 150)
    ...        .feed("A1", "A").feed("B1", "B").build())
    >>> lay.racks[0].feeds
    ['A1', 'B1']
    """

    def __init__(self, width_m: float = 20.0, depth_m: float = 12.0, **hall) -> None:
        self.hall = Hall(outline=[(0, 0), (width_m, 0), (width_m, depth_m), (0, depth_m)], **hall)
        self.racks: list[Rack] = []
        self.cooling: list[CoolingUnit] = []
        self.feeds: list[PowerFeed] = []
        self.assumptions: dict = {}
        self._auto_feed: list[str] = []

    def rack(self, rack_id: str, x_m: float, y_m: float, devices=DGX_H100_RACK, *,
             rack_type: str = "rack-800x1200", pitch_u: int = 9, first_u: int = 3,
             system: str | None = None, feeds: list[str] | None = None, **kw) -> LayoutBuilder:
        """Add a rack; devices are stacked from ``first_u`` every ``pitch_u``.

        ``feeds=None`` connects the rack to every feed added to the builder.
        """
        mounted = [] if system else [MountedDevice(type=t, u=first_u + k * pitch_u)
                                     for k, t in enumerate(devices)]
        self.racks.append(Rack(id=rack_id, type=rack_type, x_m=x_m, y_m=y_m, devices=mounted,
                               system=system, feeds=list(feeds) if feeds is not None else [],
                               **kw))
        if feeds is None:
            self._auto_feed.append(rack_id)
        return self

    def crah(self, unit_id: str, x_m: float, y_m: float, capacity_kw: float, **kw) -> LayoutBuilder:
        """Add a CRAH of ``capacity_kw``."""
        self.cooling.append(CoolingUnit(id=unit_id, kind="crah", x_m=x_m, y_m=y_m,
                                        capacity_kw=capacity_kw, **kw))
        return self

    def cdu(self, unit_id: str, x_m: float, y_m: float, capacity_kw: float, **kw) -> LayoutBuilder:
        """Add a CDU of ``capacity_kw``."""
        self.cooling.append(CoolingUnit(id=unit_id, kind="cdu", x_m=x_m, y_m=y_m,
                                        capacity_kw=capacity_kw, **kw))
        return self

    def door(self, unit_id: str, rack_id: str, capacity_kw: float, **kw) -> LayoutBuilder:
        """Add a rear-door heat exchanger on ``rack_id``."""
        r = next(r for r in self.racks if r.id == rack_id)
        self.cooling.append(CoolingUnit(id=unit_id, kind="rear_door", x_m=r.x_m, y_m=r.y_m,
                                        capacity_kw=capacity_kw, rack=rack_id, width_m=0.6,
                                        depth_m=0.2, **kw))
        return self

    def feed(self, feed_id: str, side: str = "A", voltage_v: float = 415.0, amps: float = 400.0,
             phases: int = 3) -> LayoutBuilder:
        """Add a feed (connected to racks added with ``feeds=None``)."""
        self.feeds.append(PowerFeed(id=feed_id, side=side, voltage_v=voltage_v, amps=amps,
                                    phases=phases))
        return self

    def obstacle(self, obstacle_id: str, x0: float, y0: float, x1: float, y1: float) -> LayoutBuilder:
        """Add a rectangular column."""
        self.hall.obstacles.append(Obstacle(id=obstacle_id, polygon=[(x0, y0), (x1, y0),
                                                                     (x1, y1), (x0, y1)]))
        return self

    def assume(self, **kw) -> LayoutBuilder:
        """Override engineering assumptions."""
        self.assumptions.update(kw)
        return self

    def build(self, name: str = "test hall") -> Layout:
        """Return the validated layout."""
        fids = [f.id for f in self.feeds]
        racks = [r.model_copy(update={"feeds": fids}) if r.id in self._auto_feed else r
                 for r in self.racks]
        return Layout.model_validate({
            "name": name, "hall": self.hall.model_dump(),
            "racks": [r.model_dump() for r in racks],
            "cooling": [u.model_dump() for u in self.cooling],
            "feeds": [f.model_dump() for f in self.feeds],
            "assumptions": self.assumptions,
        })


@pytest.fixture
def builder():
    """Return a factory of :class:`LayoutBuilder` (hall width and depth in metres)."""
    return LayoutBuilder


@pytest.fixture
def front_end_fabric():
    """Return a factory of a 100G front-end Clos fabric of 7060X6-class switches over
    ``members`` (the tiers named in ``tiers``), with no network rack of its own."""
    from engine.model import Fabric, FabricTier

    def make(members, tiers=("leaf",)):
        return Fabric(id="front-end", purpose="front_end", topology="clos",
                      members=list(members),
                      tiers=[FabricTier(name=n, switch="arista-7060x6-64pe",
                                        placement="network_racks") for n in tiers],
                      nic_speed_gbps=100, ports_per_gpu=0, rails=1, su_nodes=256)

    return make
