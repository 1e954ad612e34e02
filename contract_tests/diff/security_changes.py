"""Compare what an operation asks of a caller's credentials, by definition, not by name.

An operation's security is a list of alternatives (any one will do), each a
set of schemes a request must satisfy together, OAuth2 scopes included; an
empty list, or an empty alternative, lets a request in without credentials.
A scheme is its definition (`apiKey` in the header `X-Key`, HTTP `bearer`, an
OAuth2 flow with its URLs), so renaming `ApiKey` to `key` is no change and
moving its header is one.

A client that worked with one old alternative keeps working if some new
alternative asks nothing it could not give: no scheme it does not have, no
scope its token was not granted. Every old alternative that loses this is a
breaking change, named by what it lacks; every new one that asks less is
compatible.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rooms_spec import Operation, Spec
from rooms_spec.json_text import as_json

from .difference import Difference

if TYPE_CHECKING:
    from .operation_changes import Pair


@dataclass(frozen=True)
class Credential:
    """One scheme of an alternative: what it is, and the scopes it must carry."""

    kind: tuple[str, ...]  # ("apiKey", "header", "x-key"), ("http", "bearer"), ("oauth2",)
    flows: frozenset[tuple[str, str, str]]  # OAuth2: (flow, authorizationUrl, tokenUrl)
    scopes: frozenset[str]
    name: str = field(compare=False)  # as the spec names it, for messages only

    def accepts(self, client: Credential) -> bool:
        """Does a client holding `client` satisfy this: same scheme, every flow it used, the
        scopes its token has?"""
        return (
            self.kind == client.kind and client.flows <= self.flows and self.scopes <= client.scopes
        )

    def same_scheme(self, other: Credential) -> bool:
        """The same kind of scheme, whatever its flows and scopes."""
        return self.kind == other.kind


Alternative = frozenset[Credential]


def satisfies(client: Alternative, required: Alternative) -> bool:
    """Can a client that sends `client`'s credentials meet `required`?"""
    return all(any(need.accepts(held) for held in client) for need in required)


@dataclass(frozen=True)
class Security:
    alternatives: list[Alternative]
    pointer: str  # where the requirement is written: the operation's, or the document's


def security_of(spec: Spec, operation: Operation) -> Security:
    """The operation's own `security`, else the document's; no requirement is one empty one."""
    if "security" in operation.definition:
        written, pointer = operation.definition["security"], operation.pointer + "/security"
    else:
        written, pointer = spec.document.get("security"), "/security"
    schemes = _schemes(spec)
    requirements = written if isinstance(written, list) else []
    alternatives = [
        frozenset(_credential(name, scopes, schemes) for name, scopes in requirement.items())
        for requirement in requirements
        if isinstance(requirement, dict)
    ]
    return Security(alternatives or [frozenset()], pointer)


def _schemes(spec: Spec) -> dict[str, Any]:
    """The document's security schemes by name, `$ref`s followed."""
    components = spec.document.get("components") or {}
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(schemes, dict):
        return {}
    return {str(name): spec.resolve(scheme) for name, scheme in schemes.items()}


def _credential(name: str, scopes: Any, schemes: dict[str, Any]) -> Credential:
    scope_names = (
        frozenset(str(scope) for scope in scopes) if isinstance(scopes, list) else frozenset()
    )
    kind, flows = definition(schemes.get(name))
    if not kind:
        kind = ("undefined", name)  # a requirement naming no scheme: only its name identifies it
    return Credential(kind, flows, scope_names, name)


def definition(scheme: Any) -> tuple[tuple[str, ...], frozenset[tuple[str, str, str]]]:
    """A scheme as what a client must do, without its name and prose.

    Header names are case-blind, and so is an HTTP auth scheme (`Bearer` is
    `bearer`); `bearerFormat` and `description` are documentation.
    """
    if not isinstance(scheme, dict):
        return (), frozenset()
    kind = str(scheme.get("type", ""))
    if kind == "apiKey":
        where, key = str(scheme.get("in", "")), str(scheme.get("name", ""))
        return (kind, where, key.lower() if where == "header" else key), frozenset()
    if kind == "http":
        return (kind, str(scheme.get("scheme", "")).lower()), frozenset()
    if kind == "openIdConnect":
        return (kind, str(scheme.get("openIdConnectUrl", ""))), frozenset()
    if kind == "oauth2":
        flows = scheme.get("flows")
        return (kind,), frozenset(
            (str(flow), str(urls.get("authorizationUrl", "")), str(urls.get("tokenUrl", "")))
            for flow, urls in (flows.items() if isinstance(flows, dict) else ())
            if isinstance(urls, dict)
        )
    return (kind,), frozenset()


SECURITY_PUBLIC_ACCESS_REMOVED = "security-public-access-removed"
SECURITY_SCOPE_ADDED = "security-scope-added"
SECURITY_SCHEME_ADDED = "security-scheme-added"
SECURITY_SCHEME_CHANGED = "security-scheme-changed"
SECURITY_ALTERNATIVE_REMOVED = "security-alternative-removed"
SECURITY_PUBLIC_ACCESS_ADDED = "security-public-access-added"
SECURITY_SCOPE_REMOVED = "security-scope-removed"
SECURITY_SCHEME_REMOVED = "security-scheme-removed"
SECURITY_ALTERNATIVE_ADDED = "security-alternative-added"


def security(pair: Pair) -> Iterator[Difference]:
    """Every old way in that no longer works, then every new way that asks less."""
    old = security_of(pair.old_spec, pair.old)
    new = security_of(pair.new_spec, pair.new)
    if old.alternatives == new.alternatives:
        return
    at = new.pointer
    explained: set[Alternative] = set()
    for client in old.alternatives:
        if any(satisfies(client, required) for required in new.alternatives):
            continue
        rule, what, named = _lost(pair, client, new.alternatives)
        explained.update(named)
        yield pair.report(rule, at, what)
    for required in new.alternatives:
        if required in old.alternatives or required in explained:
            continue
        found = _gained(old.alternatives, required)
        if found is not None:
            yield pair.report(found[0], at, found[1])


def _lost(
    pair: Pair, client: Alternative, alternatives: list[Alternative]
) -> tuple[str, str, list[Alternative]]:
    """Why a client of the old alternative `client` is now turned away, and the new
    alternatives the words already name (which are not reported again)."""
    needs = " or ".join(_names(required) for required in alternatives)
    if not client:
        return SECURITY_PUBLIC_ACCESS_REMOVED, f"now needs credentials ({needs})", alternatives
    for required in alternatives:
        more = sorted(_more_scopes(client, required))
        if _same_schemes(client, required) and more:
            return SECURITY_SCOPE_ADDED, f"now needs the scope(s) {', '.join(more)}", [required]
    for required in alternatives:
        met = {need for need in required if any(need.accepts(held) for held in client)}
        if met and len(met) == len(client) and len(required) > len(client):
            extra = _names(frozenset(required - met))
            return (
                SECURITY_SCHEME_ADDED,
                f"now needs {extra} as well as {_names(client)}",
                [required],
            )
    for held in sorted(client, key=lambda credential: credential.name):
        changed = _changed_definition(pair, held)
        if changed:
            return SECURITY_SCHEME_CHANGED, changed, alternatives
    return SECURITY_ALTERNATIVE_REMOVED, f"no longer accepts {_names(client)}", []


def _gained(old: list[Alternative], required: Alternative) -> tuple[str, str] | None:
    if not required:
        if frozenset() in old:
            return None
        return SECURITY_PUBLIC_ACCESS_ADDED, "now also accepts requests without credentials"
    for client in old:
        if _same_schemes(client, required) and satisfies(client, required):
            fewer = sorted(_more_scopes(required, client))
            if not fewer:
                return None  # looser only in what a scheme offers (an OAuth2 flow more)
            return SECURITY_SCOPE_REMOVED, f"no longer needs the scope(s) {', '.join(fewer)}"
    for client in old:
        if satisfies(client, required):
            return SECURITY_SCHEME_REMOVED, f"now accepts {_names(required)} alone"
    return SECURITY_ALTERNATIVE_ADDED, f"now also accepts {_names(required)}"


def _same_schemes(one: Alternative, other: Alternative) -> bool:
    """The same schemes, one for one, whatever their scopes."""
    return len(one) == len(other) and all(
        any(mine.same_scheme(theirs) for theirs in other) for mine in one
    )


def _more_scopes(client: Alternative, required: Alternative) -> set[str]:
    """The scopes `required` asks for that `client`'s matching schemes lack."""
    more: set[str] = set()
    for need in required:
        held = [mine for mine in client if need.same_scheme(mine)]
        if held:
            more |= need.scopes - held[0].scopes
    return more


def _changed_definition(pair: Pair, held: Credential) -> str:
    """Words for a scheme whose name stayed and whose definition did not, else ''."""
    before = _schemes(pair.old_spec).get(held.name)
    after = _schemes(pair.new_spec).get(held.name)
    if after is None or definition(before) == definition(after):
        return ""
    return f"security scheme `{held.name}` changed from {_describe(before)} to {_describe(after)}"


def _describe(scheme: Any) -> str:
    """A scheme as its spec writes it: `apiKey in header "X-Key"`, `http "bearer"`."""
    if not isinstance(scheme, dict):
        return "nothing"
    kind = str(scheme.get("type", ""))
    if kind == "apiKey":
        return f"apiKey in {scheme.get('in')} {as_json(scheme.get('name'))}"
    if kind == "http":
        return f"http {as_json(scheme.get('scheme'))}"
    if kind == "openIdConnect":
        return f"openIdConnect at {as_json(scheme.get('openIdConnectUrl'))}"
    if kind == "oauth2":
        flows = scheme.get("flows")
        urls = [
            f"{name} at {as_json(urls.get('tokenUrl') or urls.get('authorizationUrl'))}"
            for name, urls in sorted(flows.items() if isinstance(flows, dict) else ())
            if isinstance(urls, dict)
        ]
        return f"oauth2 ({', '.join(urls) or 'no flows'})"
    return kind or "no type"


def _names(alternative: Alternative) -> str:
    if not alternative:
        return "no credentials"
    return " and ".join(
        f"`{credential.name}`"
        for credential in sorted(alternative, key=lambda credential: credential.name)
    )
