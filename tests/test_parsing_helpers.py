"""The parsing helpers and ``Response.json``: every malformed input is ``InvalidResponse`` naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coinrelay._errors import InvalidResponse
from coinrelay._models import Candle, Level, Price, Source
from coinrelay._parsing import dec, field, from_iso, from_ms, from_s, integer, num, parsing
from coinrelay._response import Response

P = "prov"


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        "",
        " ",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "sNaN",
        "abc",
        "0x10",
        "1e400" + "0" * 200,
        "١٢",  # Arabic-Indic digits: Decimal would take them
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1E+400"),
        Decimal("1E-400"),
        float("nan"),
        float("inf"),
        10**400,
        [],
        {},
    ],
)
def test_num_refuses_what_is_not_a_plausible_number(value):
    with pytest.raises(InvalidResponse, match=r"'the.price'"):
        num(value, "the.price", P)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.5", "1.5"), (" 2 ", "2"), (3, "3"), (Decimal("0.00000001"), "0.00000001"), ("-1", "-1"), ("0", "0")],
)
def test_num_reads_numbers_exactly(value, expected):
    assert num(value, "x", P) == Decimal(expected)


def test_dec_allows_null_only_when_asked():
    assert dec(None, "x", P, allow_none=True) is None
    with pytest.raises(InvalidResponse, match="is null"):
        dec(None, "x", P)


@pytest.mark.parametrize(
    "value", ["", "-", "²", "1.5", "1e3", "9" * 30, "٣", True, None, 2**64, Decimal("1.5"), Decimal("1E+400"), 1.0]
)
def test_integer_refuses_non_integers_and_huge_ones(value):
    with pytest.raises(InvalidResponse, match="'n'"):
        integer(value, "n", P)


def test_integer_reads_ints_digits_and_integral_decimals():
    assert integer("-12", "n", P) == -12
    assert integer(" 7 ", "n", P) == 7
    assert integer(Decimal("5"), "n", P) == 5
    assert integer(2**63 - 1, "n", P) == 2**63 - 1


@pytest.mark.parametrize(
    "value",
    [10**400, Decimal("1E+400"), -1, 2**62, "1e400", "99999999999999999999999", 32_503_680_000_000, None, "x"],
)
def test_from_ms_refuses_implausible_times_without_overflow(value):
    with pytest.raises(InvalidResponse, match="'t'"):
        from_ms(value, "t", P)


def test_from_ms_and_from_s_read_epoch_times():
    assert from_ms(1_700_000_000_123, "t", P) == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert from_s("1700000000", "t", P) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    with pytest.raises(InvalidResponse, match="'t'"):
        from_s(10**12, "t", P)


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "2024-01-01T00:00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", 1700000000, None],
)
def test_from_iso_refuses_what_is_not_a_plausible_rfc3339_time(value):
    with pytest.raises(InvalidResponse, match="'t'"):
        from_iso(value, "t", P)


def test_from_iso_reads_offsets_as_utc():
    assert from_iso("2024-01-01T01:00:00+01:00", "t", P) == datetime(2024, 1, 1, tzinfo=UTC)
    assert from_iso("2024-01-01T00:00:00Z", "t", P) == datetime(2024, 1, 1, tzinfo=UTC)


def test_field_reads_only_objects_and_arrays():
    assert field({"a": 1}, "a", int, P) == 1
    assert field([1, 2], 1, int, P) == 2
    with pytest.raises(InvalidResponse, match=r"missing field 'w\.0'"):
        field("abc", 0, str, P, "w")  # a string is not an array of characters
    with pytest.raises(InvalidResponse, match="missing field 'a'"):
        field(None, "a", int, P)
    with pytest.raises(InvalidResponse, match="field 'a' is bool, expected int"):
        field({"a": True}, "a", int, P)


def _response(body: bytes) -> Response:
    return Response(status_code=200, headers={}, content=body, url="http://x/y", endpoint="http://x", provider=P)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>oops</html>",
        b'{"a": [1, 2',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": "\\ud800"}',
        b'["\\udfff"]',
        b"\xff\xfe\x00",
        b'{"a": "\xed\xa0\x80"}',
        b"\x80abc",
    ],
)
def test_response_json_turns_every_malformed_body_into_invalid_response(body):
    with pytest.raises(InvalidResponse, match="malformed JSON"):
        _response(body).json()


def test_response_json_keeps_paired_surrogates_and_decimals():
    assert _response(b'{"a": "\\ud83d\\ude00", "b": 1.10}').json() == {"a": "\U0001f600", "b": Decimal("1.10")}


T0 = datetime(2024, 1, 1, tzinfo=UTC)


@parsing(P, "klines")
def _candle(**values: str) -> Candle:
    base = {"open": "2", "high": "3", "low": "1", "close": "2"}
    return Candle(open_time=T0, **{k: Decimal(v) for k, v in {**base, **values}.items()})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"high": "-1"}, "Candle.high: Input should be greater than 0"),
        ({"high": "0.5"}, "low 1 is above high 0.5"),
        ({"high": "1.5"}, "high 1.5 is below the open 2 or the close 2"),
        ({"low": "2.5"}, "low 2.5 is above the open 2 or the close 2"),
        ({"close": "1E+400", "high": "1E+400"}, "Candle.close: Input should be less than or equal to"),
    ],
)
def test_parsing_turns_an_impossible_candle_into_invalid_response(values, message):
    with pytest.raises(InvalidResponse, match="klines: impossible value") as info:
        _candle(**values)
    assert message in str(info.value)
    assert info.value.provider == P


def test_models_refuse_impossible_values():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="close time"):
        Candle(open_time=T0, close_time=T0, open=1, high=1, low=1, close=1)
    for qty in ("0", "-1"):
        with pytest.raises(ValidationError):
            Level(price=Decimal(1), quantity=Decimal(qty))
    with pytest.raises(ValidationError):
        Price(symbol="BTC", quote="USD", price=Decimal(0), source=Source(provider=P))
    with parsing(P):
        assert _candle().high == Decimal(3)  # a plausible candle passes untouched
