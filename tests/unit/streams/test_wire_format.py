"""Confluent framing: magic byte 0, 4-byte big-endian schema id, then the Avro payload."""

import pytest

from streams.codec import frame, unframe
from streams.errors import DecodeError


def test_frame_puts_magic_byte_and_big_endian_id_before_payload() -> None:
    assert frame(258, b"avro") == b"\x00\x00\x00\x01\x02avro"


def test_unframe_returns_what_frame_wrapped() -> None:
    assert unframe(frame(7, b"\x02x")) == (7, b"\x02x")


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (None, "null record"),
        (b"\x00\x00\x01", "too short"),
        (b'{"json": 1}', "magic byte"),
    ],
)
def test_unframe_refuses_what_is_not_confluent_framed(data: bytes | None, complaint: str) -> None:
    with pytest.raises(DecodeError, match=complaint):
        unframe(data)
