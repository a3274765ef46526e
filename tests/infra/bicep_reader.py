"""Read Bicep files with the kept tree-sitter grammar: syntax errors, declarations and literal values.

The tests tie infra/ to the code by reading the templates, so they need more than "it parses":
variables and parameter defaults as Python values, object keys with their source text, and the
resources a file declares. Only literals are evaluated; anything computed stays source text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter
import tree_sitter_bicep

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))


def parse(source: bytes) -> tree_sitter.Node:
    return _parser().parse(source).root_node


def syntax_errors(source: bytes) -> list[str]:
    """ERROR and MISSING nodes as 'line:column text' (1-based lines)."""
    found: list[str] = []

    def walk(node: tree_sitter.Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            found.append(f"{row + 1}:{col + 1} {node.type} {text(node)[:60]!r}")
        for child in node.children:
            walk(child)

    walk(parse(source))
    return found


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8")


class NotLiteral(ValueError):
    """The expression is computed (a reference, a call, an interpolation)."""


def literal(node: tree_sitter.Node) -> Any:
    """The Python value of a literal expression (string, number, bool, null, array, object)."""
    kind = node.type
    if kind == "string":
        if any(child.type == "interpolation" for child in node.named_children):
            raise NotLiteral(text(node))
        return "".join(
            text(c) for c in node.named_children if c.type in ("string_content", "escape_sequence")
        )
    if kind == "number":
        return int(text(node))
    if kind == "boolean":
        return text(node) == "true"
    if kind == "null":
        return None
    if kind == "array":
        return [literal(child) for child in node.named_children if child.type != "comment"]
    if kind == "object":
        return {key: literal(value) for key, value in object_properties(node).items()}
    if kind == "unary_expression" and text(node).startswith("-"):
        return -literal(node.named_children[-1])
    raise NotLiteral(text(node))


def object_properties(node: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
    """Keys of an object literal mapped to their value nodes (quoted keys unquoted)."""
    props: dict[str, tree_sitter.Node] = {}
    for prop in node.named_children:
        if prop.type != "object_property":
            continue
        key_node, value_node = prop.named_children[0], prop.named_children[-1]
        key = literal(key_node) if key_node.type == "string" else text(key_node)
        props[key] = value_node
    return props


@dataclass(frozen=True)
class Resource:
    symbol: str
    type: str  # e.g. Microsoft.Storage/storageAccounts@2023-05-01
    body: tree_sitter.Node  # the object literal (inside any for/if)
    source: str

    @property
    def resource_type(self) -> str:
        return self.type.split("@", 1)[0]

    @property
    def properties(self) -> dict[str, tree_sitter.Node]:
        return object_properties(self.body)


class BicepFile:
    """One .bicep file's declarations."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = path.read_bytes()
        self.root = parse(self.source)

    def _declarations(self, kind: str) -> list[tree_sitter.Node]:
        return [n for n in self.root.named_children if n.type == kind]

    def variable(self, name: str) -> tree_sitter.Node:
        for node in self._declarations("variable_declaration"):
            if text(node.named_children[0]) == name:
                return node.named_children[-1]
        raise KeyError(f"{self.path.name} declares no variable {name}")

    def params(self) -> dict[str, tree_sitter.Node | None]:
        """Parameter names mapped to their default value node (None when required)."""
        found: dict[str, tree_sitter.Node | None] = {}
        for node in self._declarations("parameter_declaration"):
            children = node.named_children
            name = text(children[0])
            found[name] = children[2] if len(children) > 2 else None
        return found

    def param_default(self, name: str) -> Any:
        node = self.params()[name]
        if node is None:
            raise KeyError(f"{self.path.name}: parameter {name} has no default")
        return literal(node)

    def resources(self) -> list[Resource]:
        found: list[Resource] = []
        for node in self._declarations("resource_declaration"):
            children = node.named_children
            body = children[-1]
            while body.type in ("for_statement", "if_statement"):
                body = body.named_children[-1]
            found.append(Resource(text(children[0]), literal(children[1]), body, text(node)))
        return found

    def resources_of(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources() if r.resource_type.lower() == resource_type.lower()]

    def modules(self) -> dict[str, str]:
        """Module symbol mapped to its relative path."""
        return {
            text(n.named_children[0]): literal(n.named_children[1])
            for n in self._declarations("module_declaration")
        }


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def module(name: str) -> BicepFile:
    return BicepFile(INFRA / "modules" / f"{name}.bicep")


def main() -> BicepFile:
    return BicepFile(INFRA / "main.bicep")
