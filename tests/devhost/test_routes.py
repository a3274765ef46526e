"""Route templates as the Functions host matches them (ASP.NET Core routing rules)."""

from __future__ import annotations

import pytest

from devhost.routes import RouteError, compile_route, sort_and_check


def match(template: str, path: str) -> dict[str, str] | None:
    return compile_route(template, None, None).match(path)


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("items/{id}", "items/abc", {"id": "abc"}),
        ("items/{id}", "ITEMS/abc", {"id": "abc"}),
        ("items/{id}", "items/abc/", {"id": "abc"}),
        ("items/{id}", "items", None),
        ("items/{id:int}", "items/-7", {"id": "-7"}),
        ("items/{id:int}", "items/2147483648", None),
        ("items/{id:long}", "items/2147483648", {"id": "2147483648"}),
        ("items/{id:int:min(1)}", "items/0", None),
        ("items/{id:range(1,5)}", "items/5", {"id": "5"}),
        ("items/{id:range(1,5)}", "items/6", None),
        (
            "u/{id:guid}",
            "u/0b9f3c1e-0f3a-4c55-9a52-3f0c4a7a1d11",
            {"id": "0b9f3c1e-0f3a-4c55-9a52-3f0c4a7a1d11"},
        ),
        ("u/{id:guid}", "u/not-a-guid", None),
        ("f/{flag:bool}", "f/TRUE", {"flag": "TRUE"}),
        ("n/{name:minlength(3):maxlength(5)}", "n/ab", None),
        ("n/{name:length(2,3)}", "n/abc", {"name": "abc"}),
        ("c/{code:regex(^\\d{{3}}$)}", "c/123", {"code": "123"}),
        ("c/{code:regex(^\\d{{3}}$)}", "c/1234", None),
        ("d/{day:datetime}", "d/2026-11-26", {"day": "2026-11-26"}),
        ("greet/{name?}", "greet", {}),
        ("greet/{name=world}", "greet", {"name": "world"}),
        ("files/{*rest}", "files/a/b/c", {"rest": "a/b/c"}),
        ("files/{*rest}", "files", {}),
        ("f/{name}.{ext}", "f/archive.tar.gz", {"name": "archive.tar", "ext": "gz"}),
        ("", "", {}),
    ],
)
def test_matching(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert match(template, path) == expected


@pytest.mark.parametrize(
    "template",
    ["a/{id:nonsense}", "a/{id", "a/id}", "a/{*rest}/b", "a/{x}{y}", "a/{id}/{ID}", "a/{bad name}"],
)
def test_malformed_templates_are_rejected(template: str) -> None:
    with pytest.raises(RouteError):
        compile_route(template, None, None)


def test_most_specific_route_wins() -> None:
    routes = [
        compile_route(t, ["GET"], t)
        for t in ["items/{*rest}", "items/{id}", "items/{id:int}", "items/latest"]
    ]
    ordered = [r.template for r in sort_and_check(routes, lambda r: r.template)]
    assert ordered == ["items/latest", "items/{id:int}", "items/{id}", "items/{*rest}"]
    # a required and an optional parameter in the same place match the same paths: ambiguous
    with pytest.raises(RouteError):
        sort_and_check([compile_route("a/{id}", None, 1), compile_route("a/{id?}", None, 2)], str)


def test_same_shape_conflicts_only_when_methods_overlap() -> None:
    get = compile_route("orders/{id}", ["GET"], "a")
    post = compile_route("Orders/{orderId}", ["POST"], "b")
    assert len(sort_and_check([get, post], lambda r: str(r.target))) == 2
    also_get = compile_route("orders/{x}", ["GET", "PUT"], "c")
    with pytest.raises(RouteError, match="a and c"):
        sort_and_check([get, also_get], lambda r: str(r.target))
    constrained = compile_route("orders/{id:int}", ["GET"], "d")
    assert len(sort_and_check([get, constrained], lambda r: str(r.target))) == 2
