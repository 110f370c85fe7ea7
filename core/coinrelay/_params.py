"""One request parameter of a category: its type, default and constraints, declared once.

A :class:`Param` is the single source of a parameter's behaviour everywhere it appears:

* :meth:`Param.check` validates and normalises a value for the Python API, the HTTP API and
  the CLI alike (strictly: see below);
* :meth:`Param.json_schema` is its OpenAPI schema (``minimum``/``maximum``, ``enum``,
  ``pattern``, ``maxLength``, ``default``);
* :meth:`Param.describe` is the constraint in words, for help texts and docstrings.

Validation is strict, so that what the schema says is exactly what is accepted:

* a **ticker** (``symbol=True``) is ASCII letters, digits, ``.``, ``_`` or ``-``, checked
  *before* it is upper-cased (``ßtc`` is refused rather than becoming ``SSTC``);
* an **integer** is an ``int`` (not a ``bool``) or a string of ASCII digits with an optional
  leading ``-``: ``"١٠"``, ``"1_0"``, ``" 10"`` and ``10.0`` are refused;
* a **choice** is one of the listed strings, exactly (``1M`` is not ``1m``);
* a bad value is echoed in the error shortened to :data:`ECHO_MAX` characters, so a 100 KB
  query string never comes back whole.
"""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass
from typing import Any, Final

from ._errors import InvalidRequest

#: What a ticker may look like (matched before upper-casing; at most 20 characters).
SYMBOL_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"
SYMBOL_MAX_LENGTH: Final = 20
_SYMBOL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
#: An integer given as text: ASCII digits, optionally negative, at most 18 of them.
_INT_RE = re.compile(r"-?[0-9]{1,18}")
#: Longest echo of a bad value in an error message (characters of its ``repr``, about).
ECHO_MAX: Final = 40
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = ECHO_MAX
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4


def echo(value: Any) -> str:
    """``repr(value)`` shortened to about :data:`ECHO_MAX` characters, for error messages."""
    text = _REPR.repr(value)
    if isinstance(value, str) and len(value) > ECHO_MAX:
        text += f" ({len(value)} characters)"
    return text


def check_ticker(value: Any, param: str = "symbol") -> str:
    """``value`` as a canonical uppercase ticker; :class:`InvalidRequest` naming ``param`` otherwise."""
    if not isinstance(value, str):
        raise InvalidRequest(param, f"expected a ticker string, got {type(value).__name__}")
    if not value.isascii() or _SYMBOL_RE.fullmatch(value) is None:
        raise InvalidRequest(
            param, f"{echo(value)} is not a ticker (1-{SYMBOL_MAX_LENGTH} ASCII letters, digits, '.', '_' or '-')"
        )
    return value.upper()


@dataclass(frozen=True, slots=True)
class Param:
    """A request parameter: the keyword argument, the HTTP query parameter and the CLI option.

    :param name: the name everywhere (``limit``: ``relay.ohlcv(limit=...)``, ``?limit=``,
        ``--limit``, the hook's ``limit`` argument).
    :param type: ``str`` or ``int``: what the hook receives.
    :param help: one line for ``--help``, OpenAPI and docstrings (the constraint and the
        default are appended where shown).
    :param default: the value when not given (``None``: none; with ``required=False`` the hook
        then receives ``None``).
    :param required: the caller must give it.
    :param minimum: ``int`` only: the smallest value allowed.
    :param maximum: ``int`` only: the largest value allowed.
    :param choices: ``str`` only: the values allowed, exactly (case-sensitive).
    :param symbol: ``str`` only: a ticker, validated by :func:`check_ticker` and upper-cased.
    """

    name: str
    type: type[str] | type[int]
    help: str
    default: str | int | None = None
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    symbol: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name.startswith("_"):
            raise ValueError(f"parameter name {self.name!r} is not a public Python identifier")
        if self.type is int:
            if self.choices is not None or self.symbol:
                raise ValueError(f"{self.name}: choices and symbol are for str parameters")
        elif self.type is str:
            if self.minimum is not None or self.maximum is not None:
                raise ValueError(f"{self.name}: minimum and maximum are for int parameters")
            if self.choices is not None and self.symbol:
                raise ValueError(f"{self.name}: a parameter is a choice or a symbol, not both")
        else:
            raise ValueError(f"{self.name}: type must be str or int, not {self.type!r}")
        if self.required and self.default is not None:
            raise ValueError(f"{self.name}: a required parameter has no default")
        if self.default is not None:
            self.check(self.default)  # a default that its own check refuses is a declaration bug

    @property
    def optional(self) -> bool:
        """Neither required nor defaulted: the hook may receive ``None``."""
        return not self.required and self.default is None

    @property
    def annotation(self) -> str:
        """The Python annotation of the hook argument and the relay method's parameter."""
        base = self.type.__name__
        return f"{base} | None" if self.optional else base

    def check(self, value: Any) -> Any:
        """``value`` validated and normalised; raises :class:`InvalidRequest` naming the parameter.

        ``None`` means "not given": the default, or ``None`` for an optional parameter.
        """
        if value is None or (value == "" and not self.required and self.default is None):
            if self.required:
                raise InvalidRequest(self.name, "is required")
            return self.default
        if self.symbol:
            return check_ticker(value, self.name)
        if self.type is int:
            return self._check_int(value)
        if not isinstance(value, str):
            raise InvalidRequest(self.name, f"expected a string, got {type(value).__name__}")
        if self.choices is not None and value not in self.choices:
            raise InvalidRequest(self.name, f"unknown {self.name} {echo(value)}; allowed: {', '.join(self.choices)}")
        return value

    def _check_int(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        elif isinstance(value, str) and _INT_RE.fullmatch(value):
            n = int(value)
        else:
            raise InvalidRequest(self.name, f"expected {self.describe()}, got {echo(value)}")
        if (self.minimum is not None and n < self.minimum) or (self.maximum is not None and n > self.maximum):
            raise InvalidRequest(self.name, f"must be {self._range()}, got {n}")
        return n

    def _range(self) -> str:
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return f"from {lo} to {hi}"
        if lo is not None:
            return f"at least {lo}"
        if hi is not None:
            return f"at most {hi}"
        return "any integer"

    def describe(self) -> str:
        """The constraint in words: ``an integer from 1 to 1000``, ``one of: 1h, 1d``, ``a ticker: ...``."""
        if self.type is int:
            rng = self._range()
            return "an integer" if rng == "any integer" else f"an integer {rng}"
        if self.symbol:
            return f"a ticker: 1-{SYMBOL_MAX_LENGTH} ASCII letters, digits, '.', '_' or '-'"
        if self.choices is not None:
            return "one of: " + ", ".join(self.choices)
        return "a string"

    def json_schema(self) -> dict[str, Any]:
        """The OpenAPI (JSON Schema) of the query parameter's value."""
        schema: dict[str, Any] = {"type": "integer" if self.type is int else "string"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.choices is not None:
            schema["enum"] = list(self.choices)
        if self.symbol:
            # an optional ticker left empty means "none" (news about everything): say so
            optional = not self.required and self.default is None
            schema["pattern"] = f"^(|{SYMBOL_PATTERN[1:-1]})$" if optional else SYMBOL_PATTERN
            schema["maxLength"] = SYMBOL_MAX_LENGTH
        if self.default is not None:
            schema["default"] = self.default
        return schema
