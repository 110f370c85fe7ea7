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

A text that holds neither the first nor the last 8 characters of a secret holds no piece
of it, so the common case (an error that does not echo the key) costs two substring tests.
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
    spans = [span for s in {s for s in secrets if s and _may_hold(text, s)} for span in _spans(text, s)]
    if spans:
        text = _masked(text, spans)
    if "@" in text and "://" in text:
        text = mask_urls(text)
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def shown(endpoint: str | None) -> str | None:
    """An endpoint as the relay shows it anywhere (trail, health, metrics, logs): its password masked.

    Endpoints are base URLs; one with ``user:password@`` keeps its password for the request only.
    """
    return endpoint if endpoint is None or "@" not in endpoint else mask_urls(endpoint)


def mask_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part masked (``redis://:***@host``)."""
    return mask_urls(url)


def mask_urls(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` with its password masked."""
    return _URL_CREDENTIALS.sub(lambda m: m["head"] + MASK, text)


def _may_hold(text: str, secret: str) -> bool:
    """Whether ``text`` can hold ``secret`` or a piece of it (cheap: the regex runs only then).

    Every masked piece of 8+ characters starts with the secret's first 8 or ends with its last 8.
    """
    if len(secret) < MIN_FRAGMENT:
        return secret in text
    return any(head in text or tail in text for head, tail in _ends(secret))


@functools.lru_cache(maxsize=256)
def _forms(secret: str) -> tuple[str, ...]:
    """The secret as written and URL-encoded (once when they are the same)."""
    return tuple(dict.fromkeys((secret, urllib.parse.quote(secret, safe=""))))


@functools.lru_cache(maxsize=256)
def _ends(secret: str) -> tuple[tuple[str, str], ...]:
    """The first and last :data:`MIN_FRAGMENT` characters of each form of ``secret``."""
    return tuple((form[:MIN_FRAGMENT], form[-MIN_FRAGMENT:]) for form in _forms(secret))


def _spans(text: str, secret: str) -> list[tuple[int, int]]:
    """Where ``secret`` (either form) or a cut-off piece of it stands in ``text``: ``(start, end)`` pairs."""
    spans: list[tuple[int, int]] = []
    for form in _forms(secret):
        if len(form) < MIN_SECRET:  # too short to mask inside words: only where it stands alone
            spans += [(j, e) for j, e in _found(text, form) if _edge(text, j - 1) and _edge(text, e)]
            continue
        spans += _found(text, form)
        size = len(form)
        for j, _ in _found(text, form[:MIN_FRAGMENT]):  # a prefix, cut off at a boundary after it
            n = MIN_FRAGMENT
            while n < size and j + n < len(text) and text[j + n] == form[n]:
                n += 1
            k = next((k for k in range(min(n, size - 1), MIN_FRAGMENT - 1, -1) if _edge(text, j + k)), 0)
            if k:
                spans.append((j, j + k))
        for _, end in _found(text, form[-MIN_FRAGMENT:]):  # a suffix, starting at a boundary before it
            n = MIN_FRAGMENT
            while n < size and end - n > 0 and text[end - n - 1] == form[-n - 1]:
                n += 1
            k = next((k for k in range(min(n, size - 1), MIN_FRAGMENT - 1, -1) if _edge(text, end - k - 1)), 0)
            if k:
                spans.append((end - k, end))
    return spans


def _found(text: str, part: str) -> list[tuple[int, int]]:
    """Every occurrence of ``part`` in ``text``."""
    out = []
    j = text.find(part)
    while j != -1:
        out.append((j, j + len(part)))
        j = text.find(part, j + 1)
    return out


def _edge(text: str, i: int) -> bool:
    """Whether position ``i`` is a text boundary: outside the text, or not an ASCII letter or digit."""
    return i < 0 or i >= len(text) or not (text[i].isascii() and text[i].isalnum())


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span (merged where they overlap) replaced by :data:`MASK`."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        if start > pos:
            out += [text[pos:start], MASK]
        elif not out or out[-1] != MASK:
            out.append(MASK)
        pos = end
    return "".join(out) + text[pos:]
