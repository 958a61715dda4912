"""`calculator`: arithmetic on numbers the model supplies, evaluated on a parsed syntax tree with a
whitelist of operators and functions (never `eval`): model text is untrusted input."""

from __future__ import annotations

import ast
import math
import operator

from .base import TOOLS, Tool, ToolError

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCTIONS = {"sqrt": math.sqrt, "log": math.log, "log10": math.log10, "exp": math.exp, "abs": abs,
              "round": round, "min": min, "max": max, "floor": math.floor, "ceil": math.ceil}
_CONSTANTS = {"pi": math.pi, "e": math.e}
MAX_EXPRESSION = 500  # characters
MAX_EXPONENT = 100  # 10**100 is plenty for medicine; 9**9**9 would hang the worker


def evaluate(expression: str) -> float:
    if not isinstance(expression, str) or not expression.strip():
        raise ToolError("'expression' must be a non-empty string such as \"(140 - 23) * 72 / (72 * 1.2)\"")
    if len(expression) > MAX_EXPRESSION:
        raise ToolError(f"the expression is longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(expression.replace("^", "**").replace("×", "*"), mode="eval")
    except SyntaxError as e:
        raise ToolError(f"not an arithmetic expression ({e.msg})") from None
    try:
        value = _eval(tree.body)
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except (OverflowError, ValueError) as e:
        raise ToolError(f"cannot compute: {e}") from None
    if isinstance(value, complex) or not math.isfinite(value):
        raise ToolError("the result is not a finite real number")
    return float(value)


def _eval(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ToolError(f"exponents above {MAX_EXPONENT} are not allowed")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and not node.keywords and len(node.args) <= 3):
        return _FUNCTIONS[node.func.id](*(_eval(a) for a in node.args))
    raise ToolError(f"unsupported element {ast.dump(node)[:60]!r}; use numbers, + - * / ** ( ) and "
                    + ", ".join(sorted(_FUNCTIONS)))


@TOOLS.register("calculator", aliases=("calc",))
class Calculator(Tool):
    name = "calculator"
    description = "Evaluate an arithmetic expression (numbers, + - * / ** ( ), sqrt, log, exp, round, min, max)."
    parameters = {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "e.g. (140 - 65) * 70 / (72 * 1.1)"}},
        "required": ["expression"],
        "additionalProperties": False,
    }

    def run(self, arguments: dict) -> str:
        if set(arguments) - {"expression"}:
            raise ToolError(f"unknown argument(s) {sorted(set(arguments) - {'expression'})}; expected 'expression'")
        if "expression" not in arguments:
            raise ToolError("missing required argument 'expression'")
        value = evaluate(arguments["expression"])
        return f"{value:.10g}"
