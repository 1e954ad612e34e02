"""The hot path's shortcuts give exactly what the library code they stand in for gives:
the query split (guard.query_of) and Starlette's QueryParams, the three headers read in
one pass (guard.RequestHead) and Starlette's Headers, JsonResponse and Response."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response

from mock_server.guard import RequestHead, query_of
from mock_server.responses import JsonResponse

QUERY_TEXT = st.text(alphabet="ab=&%+;5 \u00e9", max_size=20)
HEADER_NAMES = st.sampled_from([b"content-length", b"content-type", b"prefer", b"host", b"x"])
HEADER_VALUES = st.binary(min_size=0, max_size=6).map(lambda raw: raw.replace(b"\r", b""))


@given(QUERY_TEXT)
def test_the_query_split_reads_what_starlette_reads(text: str) -> None:
    raw = text.encode("latin-1", errors="replace")
    assert dict(query_of(raw)) == dict(QueryParams(raw.decode("latin-1")))


@given(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6))
def test_the_one_pass_head_reads_what_starlette_reads(raw: list[tuple[bytes, bytes]]) -> None:
    head = RequestHead.of({"headers": raw})
    headers = Headers(raw=raw)
    assert head.content_length == headers.get("content-length")
    assert head.content_type == headers.get("content-type")
    assert head.prefer == headers.getlist("prefer")


@given(
    st.binary(max_size=40),
    st.sampled_from([200, 201, 409]),
    st.none()
    | st.dictionaries(st.sampled_from(["Location", "Retry-After"]), st.text("/ab1", max_size=8)),
)
def test_json_responses_carry_what_starlette_would(
    body: bytes, status: int, headers: dict[str, str] | None
) -> None:
    ours = JsonResponse(body, status, headers)
    theirs = Response(body, status, headers, media_type="application/json")
    assert (ours.status_code, ours.body, ours.raw_headers) == (
        theirs.status_code,
        theirs.body,
        theirs.raw_headers,
    )
