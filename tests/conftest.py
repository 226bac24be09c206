"""Settings for every test process."""

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist already runs one test process per core: a threaded BLAS in each
    # (OpenBLAS starts one thread per core) only makes them compete (simlib.montecarlo's
    # workers limit themselves the same way)
    from threadpoolctl import threadpool_limits

    BLAS_LIMIT = threadpool_limits(1)
