"""LayeredPaths: while live, the rows that changed move to the top layer; base and top
together always draw every row once."""

from __future__ import annotations

import numpy as np

from designer.canvas.batch import LayeredPaths


def _build(idx):
    return {"rows": frozenset(np.asarray(idx).tolist())}


def _drawn(layers: LayeredPaths) -> list[int]:
    return sorted(r for _k, rows in layers.items() for r in rows)


def test_changed_rows_move_to_the_top_layer_and_every_row_is_drawn_once(qapp):
    sig = np.arange(20, dtype=float).reshape(10, 2)
    layers = LayeredPaths(max_live=3)
    layers.update(sig, live=False, build=_build)
    assert layers.live_index.tolist() == [] and _drawn(layers) == list(range(10))
    moved = sig.copy()
    moved[7] += 1  # a drag moves row 7
    layers.update(moved, live=True, build=_build)
    assert layers.live_index.tolist() == [7] and _drawn(layers) == list(range(10))
    assert layers.top == {"rows": frozenset({7})}
    moved[2] += 1  # and then row 2 too: both stay on top, in order
    layers.update(moved, live=True, build=_build)
    assert layers.live_index.tolist() == [2, 7] and _drawn(layers) == list(range(10))
    moved[[0, 4]] += 1  # past max_live: everything rebuilt as one base
    layers.update(moved, live=True, build=_build)
    assert layers.live_index.tolist() == [] and _drawn(layers) == list(range(10))
    layers.update(moved, live=False, build=_build)  # committed
    assert layers.top == {} and _drawn(layers) == list(range(10))


def test_a_small_repaint_fills_only_the_aisle_strips_reaching_into_it(view):
    """... or within a bridge's length of it: the gap a rack left between two strips
    of a row is tinted from them."""
    from PySide6.QtCore import QRectF

    from designer.canvas.batch import AISLE_BRIDGE_M

    floor = view.scene().floor
    cold, _hot, _along_y = floor._strips
    assert len(cold) > 4
    whole = floor._aisle_paths(QRectF(-1e4, -1e4, 2e4, 2e4))
    assert whole == floor._aisles.items()
    # a rack-sized piece of the first strip (scene y is plan y flipped)
    x0, y0, x1, y1 = cold[0].tolist()
    small = floor._aisle_paths(QRectF(x0, -y1, min(x1 - x0, 0.3), min(y1 - y0, 0.3)))
    keys = [k for k, _p in small]
    assert 0 in keys
    path = dict(small)[0]
    m = AISLE_BRIDGE_M
    hits = ((cold[:, 0] <= x0 + 0.3 + m) & (cold[:, 2] >= x0 - m) & (cold[:, 1] <= y1 + m)
            & (cold[:, 3] >= y1 - 0.3 - m))
    assert hits.sum() < len(cold)
    # at most the strips reaching into the piece, merged: a rectangle is 5 elements
    assert path.elementCount() <= 5 * int(hits.sum())
    assert path.boundingRect().intersects(QRectF(x0, -y1, 0.3, 0.3))
