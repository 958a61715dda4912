"""The 55 MedCalc-Bench calculators as typed tools, computed by the `medcalc-bench` package (Apache-2.0).

One `MedCalcTool` class, parametrised per calculator by `medcalc_calculators.json` (built by
`_medcalc_build.py` from the benchmark's Relevant Entities and the package's documented inputs):
the model passes the entities by their MedCalc-Bench names (quantities as [value, unit]); the tool
checks types, values and units (pint, `medcalc_units`), renames them to the package's arguments and
calls the package. Bad input is a ToolError the model reads, never a crash.

Tool names are `clinreason.data.medcalc.tool_name(calculator name)`, so the loader can name an item's
own calculator without importing this module; `medcalc_<id>` is an alias."""

from __future__ import annotations

import importlib
import json
import math
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..data.medcalc import tool_name
from .base import TOOLS, Tool, ToolError
from ..units import UnitError, normalise, to_unit

MONOVALENT = {"sodium", "potassium", "chloride", "bicarbonate"}
TABLE = Path(__file__).with_name("medcalc_calculators.json")


@lru_cache(maxsize=1)
def calculators() -> dict[int, dict]:
    return {c["id"]: c for c in json.loads(TABLE.read_text(encoding="utf-8"))}


def _schema(spec: dict) -> dict:
    kind, units, values = spec["kind"], spec["units"], spec["values"]
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "number":
        return {"type": "number"}
    if kind == "text":
        return {"type": "string", "enum": values} if values else {"type": "string"}
    if kind == "quantity":
        return {"type": "array", "items": {"type": ["number", "string"]}, "minItems": 2, "maxItems": 2,
                "description": f"[value, unit]; units: {', '.join(units)}"}
    if kind == "dose":
        return {"type": "array", "items": {"type": ["number", "string"]}, "minItems": 3, "maxItems": 3,
                "description": f"[drug, dose, unit]; drugs: {', '.join(values)}; units: {', '.join(units)}"}
    return {"type": ["boolean", "string"], "description": f"true/false or one of: {', '.join(values)}"}


def parameters(calc: dict) -> dict:
    return {"type": "object",
            "properties": {s["name"]: _schema(s) for s in calc["inputs"]},
            "required": [s["name"] for s in calc["inputs"] if s["required"]],
            "additionalProperties": False}


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ToolError(f"{name!r}: expected a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ToolError(f"{name!r}: {value!r} is out of range (a finite, non-negative number)")
    return value


def _date(value: Any, name: str) -> str:
    """MM/DD/YYYY, the package's spelling; ISO dates are accepted too."""
    if isinstance(value, str):
        for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(value.strip(), fmt).strftime("%m/%d/%Y")
            except ValueError:
                continue
    raise ToolError(f"{name!r}: expected a date such as \"03/29/2020\" (MM/DD/YYYY), got {value!r}")


def _check(spec: dict, value: Any) -> Any:
    """The value as the package wants it (tuples for quantities), or a ToolError."""
    name, kind = spec["name"], spec["kind"]
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ToolError(f"{name!r}: expected true or false, got {value!r}")
        return value
    if kind == "number":
        return _number(value, name)
    if kind in ("text", "boolean/text"):
        if kind == "boolean/text" and isinstance(value, bool):
            return value
        if "date" in name.lower():
            return _date(value, name)
        if not isinstance(value, str):
            raise ToolError(f"{name!r}: expected text, got {value!r}")
        for allowed in spec["values"]:
            if allowed.strip().lower() == value.strip().lower():
                return allowed
        if spec["values"]:
            raise ToolError(f"{name!r}: {value!r} is not one of {', '.join(spec['values'])}")
        return value
    if isinstance(value, dict) and set(value) == {"value", "unit"}:
        value = [value["value"], value["unit"]]
    if kind == "quantity":
        if not isinstance(value, list) or len(value) != 2:
            raise ToolError(f"{name!r}: expected [value, unit], e.g. [1.2, \"{(spec['units'] or ['unit'])[0]}\"], got {value!r}")
        return _normalised(_number(value[0], name), value[1], spec["units"], name)
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str):
        raise ToolError(f"{name!r}: expected [drug, dose, unit], got {value!r}")
    drug = next((d for d in spec["values"] if d.lower() == value[0].strip().lower()), None)
    if drug is None:
        raise ToolError(f"{name!r}: unknown drug {value[0]!r}; known: {', '.join(spec['values'])}")
    return (drug, *_normalised(_number(value[1], name), value[2], spec["units"], name))


def _normalised(value: float, unit: Any, accepted: list[str], name: str) -> tuple[float, str]:
    try:
        return normalise(value, unit, accepted, name)
    except UnitError as e:
        raise ToolError(str(e)) from None


def _composed(calc_id: int, args: dict) -> float:
    """Calculators the package lacks (64) or cannot import (61), from its parts and pint."""
    if calc_id == 61:  # target weight = target BMI x height²
        height, unit = args["height"]
        try:
            metres = to_unit(height, unit, "m")
        except UnitError as e:
            raise ToolError(str(e)) from None
        return round(args["body_mass_index"][0] * metres**2, 3)
    # 64: delta ratio = delta gap / (24 - bicarbonate); HCO3- is monovalent, so mEq/L = mmol/L
    from medcalc.delta_gap import compute_delta_gap_explanation

    gap = compute_delta_gap_explanation(args)["Answer"]
    bicarbonate = args["bicarbonate"][0]
    if bicarbonate == 24:
        raise ToolError("'Bicarbonate' of 24 makes the delta ratio undefined (division by zero)")
    return round(gap / (24 - bicarbonate), 3)


def compute(calc: dict, arguments: dict) -> Any:
    """The calculator's answer for `arguments` (entity name -> value): a number, an MM/DD/YYYY date,
    or a (weeks, days) tuple."""
    if not isinstance(arguments, dict):
        raise ToolError("the arguments must be a JSON object of the calculator's inputs")
    specs = {s["name"]: s for s in calc["inputs"]}
    unknown = sorted(set(arguments) - set(specs))
    if unknown:
        raise ToolError(f"unknown input(s) {unknown}; this calculator takes: {', '.join(specs)}")
    missing = [n for n, s in specs.items() if s["required"] and n not in arguments]
    if missing:
        raise ToolError(f"missing required input(s): {', '.join(missing)}")
    args = {specs[n]["argument"]: _check(specs[n], v) for n, v in arguments.items()}
    for arg in MONOVALENT.intersection(args):
        # The package converts mEq/L with a valence it does not always pass (PSI: TypeError); for a
        # monovalent ion mEq/L and mmol/L are the same number.
        if isinstance(args[arg], tuple) and args[arg][1].lower() == "meq/l":
            args[arg] = (args[arg][0], "mmol/L")
    if calc["function"] is None:
        return _composed(calc["id"], args)
    module, function = calc["function"].split(".")
    fn = getattr(importlib.import_module(f"medcalc.{module}"), function)
    try:
        result = fn(args)
    except KeyError as e:
        wanted = next((n for n, s in specs.items() if s["argument"] == e.args[0]), e.args[0])
        raise ToolError(f"missing input {wanted!r}") from None
    except (ValueError, TypeError, ZeroDivisionError, ArithmeticError) as e:
        raise ToolError(f"cannot compute with these inputs ({type(e).__name__}: {e})") from None
    return result["Answer"]


def format_answer(answer: Any) -> str:
    if isinstance(answer, (tuple, list)) and len(answer) == 2:
        weeks, days = (int(str(x).split()[0]) for x in answer)
        return f"({weeks} weeks, {days} days)"
    if isinstance(answer, str):
        try:
            return datetime.strptime(answer.strip(), "%m/%d/%Y").date().isoformat()
        except ValueError:
            return answer
    if isinstance(answer, date):
        return answer.isoformat()
    return f"{float(answer):.10g}"


class MedCalcTool(Tool):
    """One MedCalc-Bench calculator; subclassed once per row of the table."""

    calc: dict

    def run(self, arguments: dict) -> str:
        return format_answer(compute(self.calc, arguments))


def _register() -> None:
    for calc_id, calc in calculators().items():
        name = tool_name(calc["name"])
        cls = type(f"MedCalc{calc_id}", (MedCalcTool,), {
            "name": name, "calc": calc, "parameters": parameters(calc),
            "description": (f"MedCalc-Bench calculator {calc_id}: {calc['name']} ({calc['category']}; answer: "
                            f"{calc['output']}). Pass the patient's values by these input names; quantities as "
                            "[value, unit]."),
        })
        TOOLS.add(name, cls, aliases=(f"medcalc_{calc_id}",))


_register()
