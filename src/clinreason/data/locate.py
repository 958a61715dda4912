"""Where benchmark files are found: --data-dir, then $CLINREASON_DATA, then the user cache directory,
then (only for sets officially published there) the Hugging Face Hub."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from ..items import DataError


class Benchmark(Protocol):
    """What locating needs of a benchmark (data.base.Benchmark has it; no import back to it)."""

    name: str
    hub: Any

    def check_subset(self, subset: str | None) -> str: ...

    def relpath(self, subset: str | None = None) -> str: ...


ENV_VAR = "CLINREASON_DATA"


class DataNotFound(DataError):
    """No copy of a benchmark file anywhere we looked. The message lists every place."""

    def __init__(self, relpath: str, message: str, looked: list[str]):
        self.looked = looked
        super().__init__(relpath, None, None, message)


def user_cache_data_dir() -> Path:
    # A function, not a constant: platformdirs follows $XDG_CACHE_HOME at call time, and tests replace it.
    import platformdirs  # here, not at the top: most runs name their data dir and never need it

    return Path(platformdirs.user_cache_dir("clinreason")) / "data"


def _candidates(explicit: str | Path | None) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    if explicit is not None:
        out.append((Path(explicit).expanduser(), "--data-dir"))
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        out.append((Path(env).expanduser(), f"${ENV_VAR}"))
    out.append((user_cache_data_dir(), "user cache directory"))
    return out


def resolve_data_dir(explicit: str | Path | None = None) -> list[Path]:
    """Candidate data directories, in the order they are tried."""
    return [path for path, _ in _candidates(explicit)]


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 2.0  # one bounded look at the Hub before downloading: offline costs seconds, not half a minute


class HubUnreachable(RuntimeError):
    """The Hub endpoint did not answer the probe (no network, a closed port, a black hole)."""


def hub_endpoint() -> str:
    # huggingface_hub reads HF_ENDPOINT once, at import; read it again so a later setting counts.
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def probe_hub(endpoint: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the endpoint answers HTTP within `timeout_s` (one attempt, no retries; proxies
    from the environment are used, as the Hub client would), else why not."""
    import httpx  # here: only a Hub lookup needs it

    try:
        response = httpx.head(endpoint + "/", timeout=httpx.Timeout(timeout_s), follow_redirects=False)
    except httpx.HTTPError as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return f"{type(e).__name__}" + (f": {reason}" if reason else "")
    except OSError as e:
        return f"{type(e).__name__}: {e}"
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    return None


def _from_hub(bench: Benchmark, subset: str, offline: bool) -> Path:
    """The Hub file, downloaded or from the local Hub cache. Raises (any exception) when unavailable.

    Offline (offline=True, HF_HUB_OFFLINE=1, or the endpoint not answering one short probe) only
    the local Hub cache is read, so a missing benchmark fails in seconds with the full list of
    places looked, instead of after the Hub client's retries."""
    from huggingface_hub import hf_hub_download

    assert bench.hub is not None
    endpoint = hub_endpoint()
    # huggingface_hub reads HF_HUB_OFFLINE / HF_HUB_CACHE once, at import; read them again here so a
    # setting made later in the process (or by a test) is still honoured.
    local_only = offline or _env_true("HF_HUB_OFFLINE")
    unreachable = None if local_only else probe_hub(endpoint)

    def download(local_files_only: bool) -> Path:
        return Path(
            hf_hub_download(
                repo_id=bench.hub.repo_id,
                filename=bench.hub.files[subset],
                repo_type="dataset",
                revision=bench.hub.revision,
                cache_dir=os.environ.get("HF_HUB_CACHE") or None,
                local_files_only=local_files_only,
                endpoint=endpoint,
                etag_timeout=PROBE_TIMEOUT_S * 2,
            )
        )

    if unreachable is None:
        return download(local_only)
    try:
        return download(True)  # a copy in the local Hub cache still serves
    except Exception:
        raise HubUnreachable(f"offline: {endpoint} did not answer within {PROBE_TIMEOUT_S:.0f} s "
                             f"({unreachable}), and the local Hub cache has no copy") from None


def locate(
    bench: Benchmark,
    subset: str | None = None,
    data_dir: str | Path | None = None,
    *,
    hub: bool = True,
    offline: bool = False,
) -> Path:
    """The local path of `bench`'s file for `subset`.

    hub=False never consults the Hub; offline=True only uses the local Hub cache (no network).
    """
    subset = bench.check_subset(subset)
    relpath = bench.relpath(subset)
    looked: list[str] = []
    for directory, source in _candidates(data_dir):
        path = directory / relpath
        if path.is_file():
            return path
        looked.append(f"{path} ({source})")
    if not os.environ.get(ENV_VAR, "").strip():
        looked.insert(len(looked) - 1, f"${ENV_VAR} (not set)")  # in search order: the cache dir is last

    filename = bench.hub.filename(subset) if bench.hub else None
    if bench.hub is None:
        looked.append("Hugging Face Hub: no official copy of this benchmark is published there")
    elif filename is None:
        looked.append(f"Hugging Face Hub: dataset {bench.hub.repo_id} has no file for subset {subset!r}")
    elif not hub:
        looked.append(f"Hugging Face Hub: dataset {bench.hub.repo_id} (not consulted)")
    else:
        try:
            return _from_hub(bench, subset, offline)
        except Exception as e:  # hub errors are many (offline, 404, auth, network); all mean "not here"
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            looked.append(f"Hugging Face Hub: dataset {bench.hub.repo_id}, file {filename} ({type(e).__name__}: {reason})")

    message = (
        f"benchmark {bench.name!r} subset {subset!r} not found. Looked in:\n"
        + "\n".join(f"  - {place}" for place in looked)
        + f"\nProvide the data with --data-dir DIR or {ENV_VAR}=DIR, where DIR/{relpath} exists"
        + f" (or copy it under {user_cache_data_dir()})."
    )
    raise DataNotFound(relpath, message, looked)
