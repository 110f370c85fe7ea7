"""The one secret scrubber: credentials and URL passwords masked before any text is shown.

Every message built from an upstream body, a transport error or the configuration goes
through :func:`redact` before it is cut to a length, so a key never survives in part:

* each secret is masked whole, in its plain and URL-encoded forms;
* a cut-off piece of it — a prefix of :data:`MIN_FRAGMENT` characters or more ending at a
  text boundary (the end of the text, or any character that is not a letter or digit), or
  a suffix of that length starting at one — is masked too, so a body that was cut (by the
  upstream, or by code that cut before masking) shows none of the key;
* a secret shorter than :data:`MIN_SECRET` (the config refuses those) is masked only as a
  whole word, never inside one ("breaker" stays "breaker" whatever the key);
* ``scheme://user:password@host`` has its password masked (:func:`mask_url`), whoever's
  password it is.

The compiled pattern of each set of secrets is cached, so scrubbing on an error path costs
one regular-expression pass.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Iterable

#: What a masked secret reads as in messages.
MASK = "***"
#: Shortest secret the configuration accepts (and the shortest piece of one that is masked).
MIN_SECRET = 8
#: Shortest cut-off prefix or suffix of a secret that is masked.
MIN_FRAGMENT = 8

_ALNUM = "A-Za-z0-9"
#: ``scheme://user:password@`` — the password group is masked.
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'\"]*:)(?P<password>[^\s/@'\"]+)(?=@)")


def redact(text: str, secrets: Iterable[str | None], *, limit: int | None = None) -> str:
    """``text`` with each secret (and any cut-off piece of one) masked, then cut to ``limit`` characters.

    Mask first, then cut: pass the length here rather than slicing before calling, so the
    cut can never leave a piece of a key behind. URL passwords (``https://user:pw@host``)
    are masked too.

    :param text: what is about to be shown (an upstream body, an error message).
    :param secrets: the credentials to hide (``None`` and empty values are ignored).
    :param limit: cut the masked text to this many characters (``None``: keep it whole).
    """
    wanted = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
    if wanted:
        text = _pattern(wanted).sub(MASK, text)
    if "://" in text:
        text = mask_urls(text)
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def mask_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part masked (``redis://:***@host``)."""
    return mask_urls(url)


def mask_urls(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` with its password masked."""
    return _URL_CREDENTIALS.sub(lambda m: m["head"] + MASK, text)


def url_password(url: str) -> str | None:
    """The password of ``url``'s ``user:password@`` part, or ``None``."""
    try:
        return urllib.parse.urlsplit(url).password
    except ValueError:
        return None


@functools.lru_cache(maxsize=256)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation: whole secrets first (longest first), then their pieces, longest first."""
    whole: list[str] = []
    pieces: list[tuple[int, str]] = []
    for secret in secrets:
        forms = dict.fromkeys((secret, urllib.parse.quote(secret, safe="")))
        for form in forms:
            if len(form) < MIN_SECRET:
                # too short to mask inside words: only where it stands alone
                whole.append(f"(?<![{_ALNUM}]){re.escape(form)}(?![{_ALNUM}])")
                continue
            whole.append(re.escape(form))
            for n in range(len(form) - 1, MIN_FRAGMENT - 1, -1):
                # a prefix cut off at a boundary, a suffix starting at one
                pieces.append((n, f"{re.escape(form[:n])}(?![{_ALNUM}])"))
                pieces.append((n, f"(?<![{_ALNUM}]){re.escape(form[-n:])}"))
    pieces.sort(key=lambda p: -p[0])
    return re.compile("|".join(whole + [p for _, p in pieces]))
