"""The Dask cluster an audit runs on: a LocalCluster of this machine's cores, or an existing
cluster's scheduler (dask-kubernetes, dask-jobqueue, or plain `dask scheduler` + `dask
worker`s). Dask does the scheduling, the queueing and the recovery from lost workers.

The LocalCluster listens on 127.0.0.1 only: scheduler, nannies, workers and the scheduler's
HTTP endpoint (which Dask starts even without a dashboard; it gets a free loopback port, not
the default 8787 on every interface). One thread per worker process: matching holds the GIL.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner.errors import ConfigError

LOOPBACK = "127.0.0.1"
_SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "ucx://")


def distributed() -> Any:
    """dask.distributed, an optional extra (typed loosely: most of its API is unannotated)."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise ConfigError("credscope audit runs on Dask: install it with "
                          "pip install 'credscope[cluster]'") from None


def local_cluster(workers: int = 0) -> Any:
    """A LocalCluster of worker processes on this machine (0: one per core), reachable on
    loopback only."""
    import dask  # noqa: PLC0415 - installed with distributed

    # Dask samples every worker's stack 100 times a second for its dashboard's profile,
    # which nobody sees here: a few per cent of each worker's CPU, spent for nothing.
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        return _local_cluster(workers)


def _local_cluster(workers: int) -> Any:
    return distributed().LocalCluster(
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
        host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0", scheduler_kwargs={"dashboard": False},
        worker_dashboard_address=None, silence_logs=logging.ERROR,
        # No memory limit: Dask would kill a worker above an even share of this machine's
        # RAM, and one repository's SARIF can need more (docs/audit.md) where a plain scan
        # would simply have used it.
        memory_limit=0,
    )


@contextmanager
def connect(scheduler: str, workers: int = 0) -> Iterator[Any]:
    """A dask.distributed Client of the cluster `scheduler` names: "local", or a scheduler
    address."""
    Client = distributed().Client  # noqa: N806 - the class, by its own name
    if scheduler == "local":
        with local_cluster(workers) as cluster, Client(cluster) as client:
            yield client
        return
    if not scheduler.startswith(_SCHEMES):
        raise ConfigError(f"--scheduler takes `local` or a scheduler address such as "
                          f"tcp://HOST:8786, not {scheduler!r}")
    try:
        client = Client(scheduler, timeout="30s")
    except OSError as err:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
    with client:
        yield client
