"""Rackscape's analysis engine: layout model, catalog, power, cooling, floor, network.

Importing the package sets one process-wide policy before numpy loads: BLAS
runs on one thread (``OPENBLAS_NUM_THREADS=1`` unless the environment says
otherwise). The engine's BLAS calls are dot products of a few hundred thousand
numbers; a multi-threaded BLAS answers them no faster, and its worker threads
keep spinning after each call, taking a core from the designer's GUI thread
(on a 2-core machine a 100k-GPU drag step took 67 ms with them, 21 ms without).
"""

import os as _os

_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
