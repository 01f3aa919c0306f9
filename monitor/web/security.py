"""Who may write: a bearer token (or a form field) when one is configured, same origin always.

Without a token every write is open; the service allows that only when bound to 127.0.0.1. Then
an origin check keeps another site's page from posting to the app through a local browser. (With
a token no other site can write: it would need the token. Not checking the origin then spares
reverse proxies that rewrite the Host header.)
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status

# Sec-Fetch-Site values of a request from our own pages ("none": typed or bookmarked by the user)
SAME_SITE = frozenset({"same-origin", "none"})
UNAUTHORIZED = "this action needs the API token: send 'Authorization: Bearer <token>'"


def token_matches(expected: str | None, given: str | None) -> bool:
    if expected is None:
        return True
    if not given:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def check_origin(expected: str | None, request: Request) -> None:
    """Without a token, refuse a write whose browser says it comes from another site.

    Browsers say so in ``Sec-Fetch-Site`` (which a page cannot set); one that does not is
    judged by its ``Origin``. (Under our ``Referrer-Policy: no-referrer`` a browser sends
    ``Origin: null`` even for a form of our own pages, so the origin alone cannot tell.)
    """
    if expected is not None:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in SAME_SITE:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site request refused")
        return
    origin = request.headers.get("origin")
    if origin is None:  # not a browser, or a same-origin GET-like request
        return
    host = request.headers.get("host", "")
    if urlsplit(origin).netloc.lower() != host.lower():
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site request refused")


def require_bearer(expected: str | None, request: Request) -> None:
    check_origin(expected, request)
    if not token_matches(expected, bearer(request)):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
        )
