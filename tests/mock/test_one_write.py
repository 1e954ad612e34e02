"""An answer's head and body leave in one write; a head whose body waits goes out alone
at the event loop's next turn; the order of writes is kept (one_write.py)."""

from __future__ import annotations

import asyncio

from mock_server.one_write import OneWrite

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recording(asyncio.Transport):
    """A transport that keeps what is written to it, write by write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return f"extra {name}"


def test_a_head_goes_out_with_its_body_in_one_write() -> None:
    async def scenario() -> list[bytes]:
        transport = Recording()
        one = OneWrite(transport, asyncio.get_running_loop())
        one.write(HEAD)
        one.write(b"{}")
        await asyncio.sleep(0)  # the flush scheduled for the head finds nothing held
        return transport.writes

    assert asyncio.run(scenario()) == [HEAD + b"{}"]


def test_a_head_whose_body_waits_goes_out_alone_at_the_next_turn() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes]]:
        transport = Recording()
        one = OneWrite(transport, asyncio.get_running_loop())
        one.write(HEAD)
        before = list(transport.writes)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        one.write(b"{}")
        return before, transport.writes

    before, after = asyncio.run(scenario())
    assert before == [] and after == [HEAD, b"{}"]


def test_closing_writes_a_held_head_first_and_other_calls_reach_the_transport() -> None:
    async def scenario() -> tuple[list[bytes], bool, object]:
        transport = Recording()
        one = OneWrite(transport, asyncio.get_running_loop())
        one.write(b"data that is no head")
        one.write(HEAD)
        one.close()
        return transport.writes, transport.closed, one.get_extra_info("socket")

    writes, closed, extra = asyncio.run(scenario())
    assert writes == [b"data that is no head", HEAD] and closed and extra == "extra socket"
