"""Units for the MedCalc tools and their error scorer: a model's unit spelling is matched to one the `medcalc-bench` package
understands for that input (the units seen in MedCalc-Bench), through pint rather than string hacks:
"mg/dl" and "umol/L" are the same units as "mg/dL" and "µmol/L"; "lb", "inch", "degF" are converted
to an accepted unit. Spellings pint does not know (mEq/L, beats per minute, µL counts) must match an
accepted spelling up to case and spaces. Anything else is a UnitError (a ValueError; tools turn it into a ToolError) naming the accepted units."""

from __future__ import annotations

from functools import lru_cache

import pint



class UnitError(ValueError):
    """A unit that is unknown, or not one the input accepts."""

# medcalc spelling -> pint expression (only where they differ)
_PINT_SPELLING = {"mm hg": "mmHg", "mmhg": "mmHg", "lbs": "lb", "msec": "ms", "degrees celsius": "degC",
                  "degrees fahreinheit": "degF", "degrees fahrenheit": "degF", "°c": "degC", "°f": "degF",
                  "celsius": "degC", "fahrenheit": "degF", "%": "percent", "ft": "foot", "in": "inch"}
_NOT_PINT = ("eq", "beats", "breaths", "per day", "µl", "ul", "iu", "u/l", "mosm", "kg/m^2")


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry:
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def _key(unit: str) -> str:
    return unit.strip().lower().replace("μ", "µ").replace(" ", "")


def _pint_unit(unit: str):
    """The pint unit for a spelling, or None when pint should not judge it."""
    low = unit.strip().lower().replace("μ", "µ")
    if any(tag in low for tag in _NOT_PINT):
        return None
    expression = _PINT_SPELLING.get(low, unit.strip().replace("µ", "u").replace("μ", "u"))
    try:
        return _registry().Unit(expression)
    except Exception:  # noqa: BLE001 - pint raises several kinds for unknown or malformed units
        return None


def normalise(value: float, unit: str, accepted: list[str], name: str) -> tuple[float, str]:
    """(value, unit) in one of the `accepted` spellings, converted when pint says the units differ in scale."""
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError(f"{name!r}: the unit must be a non-empty string; accepted: {', '.join(accepted)}")
    if not accepted:
        return value, unit
    for spelling in accepted:
        if _key(spelling) == _key(unit):
            return value, spelling
    given = _pint_unit(unit)
    if given is not None:
        quantity = _registry().Quantity(value, given)
        for spelling in accepted:
            target = _pint_unit(spelling)
            if target is not None and given.is_compatible_with(target):
                return float(quantity.to(target).magnitude), spelling
    raise UnitError(f"{name!r}: unknown or unsupported unit {unit!r}; accepted: {', '.join(accepted)}")


def to_unit(value: float, unit: str, target: str) -> float:
    """`value` in `unit` converted to `target` (both pint-readable); UnitError when incompatible."""
    given, want = _pint_unit(unit), _pint_unit(target)
    if given is None or want is None or not given.is_compatible_with(want):
        raise UnitError(f"cannot convert {unit!r} to {target!r}")
    return float(_registry().Quantity(value, given).to(want).magnitude)
