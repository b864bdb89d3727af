"""The halls the benchmarks time: the ``dgx-h100-hall`` template at any size.

The template's ``racks`` parameter stops at 2,048 racks (65,536 GPUs), the most one
3-tier fabric of 64-port QM9700 switches reaches with eight rails per DGX. The
benchmarks go beyond it (100k and 1M GPUs) to time the analysis; those halls carry
a FABRIC-NO-PORT error, which is the right answer for them and does not change
what is timed.
"""

from __future__ import annotations


def dgx_h100_hall(racks: int, racks_per_row: int | None = None, catalog=None):
    """Return the ``dgx-h100-hall`` layout with ``racks`` GPU racks (range lifted)."""
    from engine.templates import get_template, instantiate

    t = get_template("dgx-h100-hall", user_dir=None)
    params = [p.model_copy(update={"max": max(p.max or 0, racks)}) if p.name == "racks" else p
              for p in t.parameters]
    t = t.model_copy(update={"parameters": params})
    values = {"racks": racks}
    if racks_per_row is not None:
        values["racks_per_row"] = racks_per_row
    return instantiate(t, values, catalog=catalog)
