"""Keeping secrets and unsafe names out of what clinreason writes.

`redact_url` / `public_spec`: a model URL may carry a secret (`http://user:PASS@host/v1`,
`?api_key=K`, `?key=`, `?token=` ...). The spec and the model's identity are recorded everywhere
(the store, summaries, grids, reports, exports, the console), so both are made public where they
are created: the userinfo password (or a bare userinfo, which may itself be a token) and the values
of secret-looking query parameters become "[REDACTED]". A text without such parts is returned
unchanged, byte for byte, so run ids and cache keys of ordinary specs do not move.

`check_name` / `check_path_component`: a name given by the user (a run name, a grid name) becomes a
file name; it must not walk out of the results directory.

Floor module: imports nothing from clinreason.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

# scheme://AUTHORITY: the authority ends at the first "/", "?", "#" or whitespace (as urlsplit reads it);
# its userinfo is everything before the authority's last "@".
_AUTHORITY = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^/?#\s]*)")
# name=value in a query: after "?" or "&" (or ";"), up to the next separator, "#" or whitespace.
_PARAM = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;?#\s]+)=(?P<value>[^&;#\s]*)")
_SECRET_NAME = re.compile(r"key|token|secret|passw|^pass$|pwd|auth|sig|credential|session|cookie", re.IGNORECASE)


def _authority(match: re.Match) -> str:
    scheme, authority = match["scheme"], match["authority"]
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        return match[0]
    user, colon, _password = userinfo.partition(":")
    public = f"{user}:{REDACTED}" if colon else REDACTED
    return f"{scheme}{public}@{hostport}"


def _param(match: re.Match) -> str:
    if not _SECRET_NAME.search(match["name"]) or not match["value"]:
        return match[0]
    return f"{match['lead']}{match['name']}={REDACTED}"


def redact_url(text: str) -> str:
    """`text` (a URL, a model spec, or any text holding URLs) with URL secrets replaced by [REDACTED]."""
    if not text or ("@" not in text and "=" not in text):
        return text
    text = _AUTHORITY.sub(_authority, text)
    if "=" in text:
        text = _PARAM.sub(_param, text)
    return text


def public_spec(spec: str | None) -> str | None:
    """A model spec as it may be recorded and shown: the same spec, without URL secrets."""
    return spec if spec is None else redact_url(spec)


def url_query_secrets(url: str) -> list[str]:
    """Names of the secret-looking query parameters `url` carries (with a value)."""
    return [m["name"] for m in _PARAM.finditer(url.split("#", 1)[0])
            if m["value"] and _SECRET_NAME.search(m["name"])]


_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")


def check_name(name: str, what: str = "run name") -> str:
    """`name` if it is safe as a file name: [A-Za-z0-9._-], not starting with '.', at most 128 chars."""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or name.startswith("."):
        raise ValueError(f"{what} {name!r} is not allowed: use letters, digits, '.', '_' and '-' "
                         "(not starting with '.'), at most 128 characters")
    return name


def check_path_component(name: str, what: str = "run id") -> str:
    """`name` if it is one plain path component (no separator, not '.' or '..', no NUL): a file named by
    it stays in its folder. Looser than check_name, for ids made before names were checked."""
    if not isinstance(name, str) or not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        raise ValueError(f"{what} {name!r} cannot be a file name (it would leave the results directory)")
    return name


# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"), the
# full-width forms included; a leading tab or CR can hide one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value):
    """A CSV cell that no spreadsheet evaluates: text starting like a formula gets a leading single
    quote (as OWASP advises). Numbers, booleans and None are returned as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(row: dict) -> dict:
    return {key: csv_cell(value) for key, value in row.items()}
