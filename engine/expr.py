"""Safe arithmetic expressions for template files (numbers, parameters, a few functions).

Template files are data: a count such as ``"ceil(racks / 4)"`` is parsed with
:mod:`ast` and only literals, parameter names, arithmetic, comparisons,
conditional expressions and the functions in :data:`FUNCTIONS` are allowed.

Examples
--------
>>> evaluate("ceil(racks / 4) * 2", {"racks": 10})
6
>>> evaluate("__import__('os')", {})
Traceback (most recent call last):
...
ValueError: unknown name '__import__' in expression "__import__('os')"
>>> evaluate("((10**64)**64)**64", {})
Traceback (most recent call last):
...
ValueError: value out of range (more than 1e+15) in expression '((10**64)**64)**64'
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

__all__ = ["FUNCTIONS", "divisor_at_least", "evaluate", "names_in"]


def divisor_at_least(n: int, lo: int) -> int:
    """Return the smallest divisor of ``n`` that is at least ``lo`` (``lo`` when none is).

    The fabric engine sizes a spine tier with it (every leaf gets the same number of
    links to every spine); templates call it to reserve room for those spines.

    Examples
    --------
    >>> divisor_at_least(32, 20), divisor_at_least(24, 5), divisor_at_least(7, 9)
    (32, 6, 9)
    """
    n, lo = int(n), int(lo)
    if n > 1_000_000:
        raise ValueError(f"divisor_at_least: n of at most 1,000,000 (got {n:,})")
    for d in range(max(lo, 1), n + 1):
        if n % d == 0:
            return d
    return lo


def _round(x: Any, ndigits: Any = None) -> Any:
    """``round`` with at most 16 digits either side of the point (Python builds
    ``10 ** ndigits`` first: a huge ``ndigits`` would run for hours)."""
    if ndigits is not None and not (isinstance(ndigits, int) and abs(ndigits) <= 16):
        raise ValueError(f"round: digits between -16 and 16 (got {ndigits!r})")
    return round(x, ndigits)


FUNCTIONS = {
    "ceil": lambda x: int(math.ceil(x - 1e-9)),
    "floor": lambda x: int(math.floor(x + 1e-9)),
    "round": _round,
    "min": min,
    "max": max,
    "abs": abs,
    "sqrt": math.sqrt,
    "log2": math.log2,
    "int": int,
    "divisor_at_least": divisor_at_least,
}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
        ast.Pow: operator.pow}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}
_MAX_LEN = 400
_MAX_ABS = 1.0e15  # far above any count or size of a hall; keeps big-int arithmetic instant
_MAX_STR = 1000


def _checked(value: Any, src: str) -> Any:
    """Refuse numbers out of range and overlong strings (a template is data, not a bomb)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, complex):  # a fractional power of a negative number
        raise ValueError(f"not a real number in expression {src!r}")
    if isinstance(value, (int, float)):
        if not (abs(value) <= _MAX_ABS):  # also catches NaN
            raise ValueError(f"value out of range (more than {_MAX_ABS:g}) in expression "
                             f"{src!r}")
    elif isinstance(value, str) and len(value) > _MAX_STR:
        raise ValueError(f"text longer than {_MAX_STR} characters in expression {src!r}")
    return value


def _eval(node: ast.AST, env: dict[str, Any], src: str) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env, src)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return _checked(node.value, src)
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise ValueError(f"unknown name {node.id!r} in expression {src!r}")
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        left, right = _eval(node.left, env, src), _eval(node.right, env, src)
        if not isinstance(node.op, (ast.Add, ast.Mult)) and any(
                isinstance(v, str) for v in (left, right)):
            # '%' on text formats it (and could build gigabytes): text only joins or repeats
            raise ValueError(f"text in arithmetic ({type(node.op).__name__.lower()}) in "
                             f"expression {src!r}")
        if isinstance(node.op, ast.Pow) and not (isinstance(right, (int, float))
                                                 and abs(right) <= 64):
            raise ValueError(f"exponent too large in expression {src!r}")
        if isinstance(node.op, ast.Mult) and any(isinstance(v, str) for v in (left, right)):
            n = right if isinstance(left, str) else left
            text = left if isinstance(left, str) else right
            if not isinstance(n, int) or isinstance(n, bool) or \
                    len(str(text)) * max(n, 0) > _MAX_STR:
                raise ValueError(f"text longer than {_MAX_STR} characters in expression "
                                 f"{src!r}")
        try:
            return _checked(_BIN[type(node.op)](left, right), src)
        except TypeError:
            raise ValueError(f"wrong types for {type(node.op).__name__.lower()} in "
                             f"expression {src!r}") from None
        except OverflowError:
            raise ValueError(f"value out of range in expression {src!r}") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        v = _eval(node.operand, env, src)
        if isinstance(node.op, ast.Not):
            return not v
        if not isinstance(v, (int, float)):
            raise ValueError(f"a sign before text in expression {src!r}")
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BoolOp):
        vals = [_eval(v, env, src) for v in node.values]
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.Compare) and all(type(o) in _CMP for o in node.ops):
        left = _eval(node.left, env, src)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, env, src)
            try:
                holds = _CMP[type(op)](left, right)
            except TypeError:  # text against a number: order means nothing between them
                raise ValueError(f"text compared with a number ({left!r} and {right!r}) in "
                                 f"expression {src!r}") from None
            if not holds:
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, env, src) else node.orelse, env, src)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS and not node.keywords):
        args = [_eval(a, env, src) for a in node.args]
        try:
            return _checked(FUNCTIONS[node.func.id](*args), src)
        except (TypeError, ValueError, OverflowError) as exc:
            if isinstance(exc, ValueError) and "expression" in str(exc):
                raise
            if isinstance(exc, ValueError) and str(exc).startswith(f"{node.func.id}:"):
                raise ValueError(f"{exc} in expression {src!r}") from None
            raise ValueError(f"{node.func.id}() cannot take these values in expression "
                             f"{src!r}") from None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        raise ValueError(f"unknown name {node.func.id!r} in expression {src!r}")
    raise ValueError(f"unsupported syntax in expression {src!r}")


def evaluate(expr: str | int | float | bool, env: dict[str, Any]) -> Any:
    """Evaluate a template expression (numbers pass through unchanged)."""
    if isinstance(expr, (int, float, bool)):
        return expr
    if len(expr) > _MAX_LEN:
        raise ValueError(f"expression longer than {_MAX_LEN} characters")
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ValueError(f"not a valid expression: {expr!r}") from None
    try:
        return _eval(tree, env, expr)
    except ZeroDivisionError:
        raise ValueError(f"division by zero in expression {expr!r}") from None


def names_in(expr: str | int | float) -> set[str]:
    """Return the names an expression refers to (functions excluded).

    Examples
    --------
    >>> sorted(names_in("ceil(a / b)"))
    ['a', 'b']
    """
    if not isinstance(expr, str):
        return set()
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}
