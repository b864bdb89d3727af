"""Scale benchmarks of the engine: ``python -m benchmarks`` (``make bench``).

See :mod:`benchmarks.__main__` for what is timed and how the naive baseline works;
``benchmarks/bench_network.py`` times the network half (fabrics, cabling, bisection).
"""

import engine as _engine  # noqa: F401, E402 - its BLAS thread policy, before numpy loads

