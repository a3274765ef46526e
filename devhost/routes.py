"""ASP.NET-style route templates, as the Functions host matches HTTP trigger routes.

Supported: literal segments (case-insensitive), ``{name}``, constraints ``{id:int}``,
``{id:int:min(1)}``, ``{x:regex(...)}``, optional ``{x?}``, defaults ``{x=v}`` and catch-all
``{*rest}``. Routes are tried most specific first; two routes of the same shape that share a
method are a conflict, reported when the host starts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

ALL_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"})


class RouteError(ValueError):
    """A route template is malformed, uses an unknown constraint, or conflicts with another."""


@dataclass(frozen=True)
class Param:
    name: str
    constraints: tuple[tuple[str, tuple[str, ...]], ...]
    optional: bool
    catch_all: bool
    default: str | None

    def accepts(self, value: str) -> bool:
        return all(_CONSTRAINTS[name](value, args) for name, args in self.constraints)


@dataclass
class Route:
    template: str
    methods: frozenset[str]
    target: object
    params: list[Param] = field(default_factory=list)
    regex: re.Pattern[str] = field(default_factory=lambda: re.compile(""))
    precedence: tuple[int, ...] = ()
    shape: str = ""

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for ``path`` (already stripped of the prefix), or None."""
        m = self.regex.match(path)
        if m is None:
            return None
        values: dict[str, str] = {}
        for param in self.params:
            value = m.group(_group(param.name))
            if value is None or value == "":
                if param.default is not None:
                    values[param.name] = param.default
                elif not (param.optional or param.catch_all):
                    return None
                continue
            if not param.accepts(value):
                return None
            values[param.name] = value
        return values


def compile_route(template: str, methods: Iterable[str] | None, target: object) -> Route:
    route = Route(
        template=template,
        methods=frozenset(m.upper() for m in methods) if methods else ALL_METHODS,
        target=target,
    )
    regex = "^"
    ranks: list[int] = []
    shape: list[str] = []
    segments = template.strip("/").split("/") if template.strip("/") else []
    for index, segment in enumerate(segments):
        parts = _parse_segment(segment, template)
        if len(parts) == 1 and isinstance(parts[0], Param):
            param = parts[0]
            if param.catch_all and index != len(segments) - 1:
                raise RouteError(f"route {template!r}: a catch-all must be the last segment")
            route.params.append(param)
            inner = ".*" if param.catch_all else "[^/]+"
            lead = "/" if index else ""
            if param.optional or param.catch_all or param.default is not None:
                regex += f"(?:{lead}(?P<{_group(param.name)}>{inner}))?"
            else:
                regex += f"{lead}(?P<{_group(param.name)}>{inner})"
            ranks.append(4 if param.catch_all else 3 if param.optional else 1 if param.constraints else 2)
            shape.append("{*}" if param.catch_all else _param_shape(param))
            continue
        regex += "/" if index else ""
        seg_shape = ""
        for part in parts:
            if isinstance(part, Param):
                if part.catch_all:
                    raise RouteError(f"route {template!r}: a catch-all must be a whole segment")
                route.params.append(part)
                regex += f"(?P<{_group(part.name)}>[^/]+)"  # greedy: ASP.NET matches right to left
                seg_shape += _param_shape(part)
            else:
                regex += re.escape(part)
                seg_shape += part.lower()
        ranks.append(0 if all(isinstance(p, str) for p in parts) else 1)
        shape.append(seg_shape)
    names = [p.name.lower() for p in route.params]
    if len(names) != len(set(names)):
        raise RouteError(f"route {template!r}: a parameter name is used twice")
    route.regex = re.compile(regex + "/?$", re.IGNORECASE | re.DOTALL)
    route.precedence = tuple(ranks)
    route.shape = "/".join(shape)
    return route


def sort_and_check(routes: list[Route], describe: Callable[[Route], str]) -> list[Route]:
    """Most specific first; raise ``RouteError`` naming both functions on a conflict."""
    seen: dict[str, list[Route]] = {}
    for route in routes:
        for other in seen.get(route.shape, []):
            shared = route.methods & other.methods
            if shared:
                raise RouteError(
                    f"route conflict: {describe(other)} and {describe(route)} both match "
                    f"{route.template!r} for {', '.join(sorted(shared))}"
                )
        seen.setdefault(route.shape, []).append(route)
    return sorted(routes, key=lambda r: ((*r.precedence, 9), r.template.lower()))


def _param_shape(param: Param) -> str:
    """Parameters conflict only when their constraints are the same too."""
    return "{" + ":".join(f"{name}({','.join(args)})" for name, args in param.constraints) + "}"


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _parse_segment(segment: str, template: str) -> list[str | Param]:
    parts: list[str | Param] = []
    literal = ""
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "{" and segment[i + 1 : i + 2] == "{":
            literal += "{"
            i += 2
        elif ch == "}" and segment[i + 1 : i + 2] == "}":
            literal += "}"
            i += 2
        elif ch == "{":
            depth, j = 0, i + 1
            while j < len(segment) and not (segment[j] == "}" and depth == 0):
                depth += {"(": 1, ")": -1}.get(segment[j], 0)
                j += 1
            if j >= len(segment):
                raise RouteError(f"route {template!r}: unclosed '{{'")
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(_parse_param(segment[i + 1 : j], template))
            i = j + 1
        elif ch == "}":
            raise RouteError(f"route {template!r}: unmatched '}}'")
        else:
            literal += ch
            i += 1
    if literal:
        parts.append(literal)
    if any(isinstance(a, Param) and isinstance(b, Param) for a, b in itertools.pairwise(parts)):
        raise RouteError(f"route {template!r}: two parameters need a literal between them")
    return parts


def _parse_param(text: str, template: str) -> Param:
    catch_all = text.startswith("*")
    text = text.lstrip("*")
    pieces = _split_top(text, ":")
    head = pieces[0]
    default = None
    optional = False
    constraint_texts = pieces[1:]
    # default or optional may follow the name or the last constraint
    tail_holder = constraint_texts[-1] if constraint_texts else head
    if "=" in tail_holder and "(" not in tail_holder.split("=", 1)[0]:
        tail_holder, default = tail_holder.split("=", 1)
    if tail_holder.endswith("?"):
        tail_holder, optional = tail_holder[:-1], True
    if constraint_texts:
        constraint_texts[-1] = tail_holder
    else:
        head = tail_holder
    name = head.strip()
    if not re.fullmatch(r"[A-Za-z_][\w-]*", name):
        raise RouteError(f"route {template!r}: bad parameter name {name!r}")
    constraints = []
    for raw in constraint_texts:
        m = re.fullmatch(r"(\w+)(?:\((.*)\))?", raw.strip(), re.DOTALL)
        if m is None or m.group(1).lower() not in _CONSTRAINTS:
            raise RouteError(f"route {template!r}: unknown constraint {raw!r}")
        kind = m.group(1).lower()
        args = (
            (m.group(2).replace("{{", "{").replace("}}", "}"),)
            if kind == "regex"
            else tuple(a.strip() for a in (m.group(2) or "").split(",") if a)
        )
        constraints.append((kind, args))
    return Param(name, tuple(constraints), optional, catch_all, default)


def _split_top(text: str, sep: str) -> list[str]:
    out, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    out.append(current)
    return out


def _int_in(value: str, low: int, high: int) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+", value)) and low <= int(value) <= high


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip().lower() not in ("nan", "inf", "-inf", "infinity")


def _datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _n(args: tuple[str, ...], i: int) -> int:
    return int(args[i])


_CONSTRAINTS: dict[str, Callable[[str, tuple[str, ...]], bool]] = {
    "int": lambda v, a: _int_in(v, -(2**31), 2**31 - 1),
    "long": lambda v, a: _int_in(v, -(2**63), 2**63 - 1),
    "bool": lambda v, a: v.lower() in ("true", "false"),
    "alpha": lambda v, a: bool(re.fullmatch(r"[A-Za-z]+", v)),
    "guid": lambda v, a: _guid(v),
    "datetime": lambda v, a: _datetime(v),
    "decimal": lambda v, a: _number(v),
    "double": lambda v, a: _number(v),
    "float": lambda v, a: _number(v),
    "min": lambda v, a: _int_in(v, _n(a, 0), 2**63),
    "max": lambda v, a: _int_in(v, -(2**63), _n(a, 0)),
    "range": lambda v, a: _int_in(v, _n(a, 0), _n(a, 1)),
    "length": lambda v, a: (len(v) == _n(a, 0)) if len(a) == 1 else _n(a, 0) <= len(v) <= _n(a, 1),
    "minlength": lambda v, a: len(v) >= _n(a, 0),
    "maxlength": lambda v, a: len(v) <= _n(a, 0),
    "regex": lambda v, a: re.search(a[0], v, re.IGNORECASE) is not None,
    "required": lambda v, a: bool(v),
}
