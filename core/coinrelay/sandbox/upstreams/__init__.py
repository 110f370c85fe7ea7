"""One request handler per provider, answering in that provider's real format.

Each module exposes ``PREFIX`` (the path part of the provider's real base URL, kept in
the sandbox's endpoint URLs), ``handle(request) -> Reply`` and ``RATE_LIMIT_BODY`` (what
the provider sends with its 429).
"""
