"""`--executor local|ray`, `--address` and `--workers` for `clinreason run` and `clinreason grid`:
the options, their checks (before anything runs) and the Ray connection (before the store is
opened, so an unreachable cluster leaves nothing behind). The executor itself is engine/ray.py."""

from __future__ import annotations

from typing import Optional

import typer

EXECUTORS = ("local", "ray")

ExecutorOption = typer.Option("local", "--executor", help="Where the work runs: local (asyncio on this machine) or ray (tasks on a Ray cluster; pip install 'clinreason[ray]').")
AddressOption: Optional[str] = typer.Option(None, "--address", help="With --executor ray: the cluster to join (ray://HEAD:10001, HEAD:6379 or auto); default: start a local Ray on 127.0.0.1.")
WorkersOption: Optional[int] = typer.Option(None, "--workers", help="With --executor ray and no --address: the local Ray's workers (tasks at once; default: this machine's cores).")


def ray_options(executor: str, address: str | None, workers: int | None, *, rate_limited: bool = False,
                load: dict | None = None):
    """None for the local executor; else the engine's RayOptions. Every mistake is a one-line ValueError."""
    if executor not in EXECUTORS:
        raise ValueError(f"--executor {executor!r}: expected one of {', '.join(EXECUTORS)}")
    if executor == "local":
        for option, value in (("--address", address), ("--workers", workers)):
            if value is not None:
                raise ValueError(f"{option} needs --executor ray")
        return None
    if workers is not None and workers < 1:
        raise ValueError(f"--workers {workers}: expected at least 1")
    if workers is not None and address not in (None, "local"):
        raise ValueError("--workers sizes a local Ray; a cluster's size is its own (drop --workers or --address)")
    if address is not None and (not address.strip() or any(c.isspace() for c in address)):
        raise ValueError(f"--address {address!r}: expected HOST:PORT or ray://HOST:PORT")
    if rate_limited:
        raise ValueError("--max-rpm/--max-tpm are per process and would not hold across Ray tasks; "
                         "use --executor local, or limit at the server")
    from ..engine.ray import RayOptions, _host_port, require_ray

    require_ray()  # Ray missing: the install hint, now
    if address not in (None, "", "local", "auto"):
        _host_port(address)  # malformed: now, not after the items load
    return RayOptions(address=address, workers=workers, load=dict(load or {}))


def connect(options) -> None:
    if options is not None:
        from ..engine.ray import connect as ray_connect

        ray_connect(options)


def execute(plan, backends, store, options, **kw):
    """The coroutine that runs one plan with the chosen executor (returns its summary)."""
    from .. import engine

    if options is None:
        return engine.execute(plan, backends, store, **kw)

    async def on_ray():
        from ..engine.ray import execute_ray

        kw.pop("rate_limit", None)
        kw.pop("knowledge", None)  # opened again on each node (a path here is not one there)
        return (await execute_ray([(plan, backends)], store, options, **kw))[0]

    return on_ray()


def execute_all(store, options, concurrency):
    """For grid.run_grid: every cell's (plan, model) at once on Ray; None for the local executor."""
    if options is None:
        return None

    async def run_all(jobs):
        from ..engine.ray import execute_ray

        return await execute_ray(jobs, store, options, concurrency=concurrency)

    return run_all
