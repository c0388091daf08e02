"""Every request passes here: who is logged in, and is a write really from our page.

Pages and API calls need a session, except the login and first-visit pages and static
files. Every state-changing request (POST, PUT, PATCH, DELETE) must carry the session's
CSRF token, in the form field `csrf_token` or the `X-CSRF-Token` header; the login and
first-visit forms, which come before any session, use a double-submit cookie instead.
Routers add the role they need with `require_admin` or `require_user`.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote

from fastapi import HTTPException, Request
from starlette.datastructures import FormData
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import JSONResponse, RedirectResponse, Response

from web_ui.auth.store import Account, AccountStore, Session

SESSION_COOKIE = "sb_session"
LOGIN_CSRF_COOKIE = "sb_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PUBLIC_PREFIXES = ("/static/", "/login", "/setup")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_public(path: str) -> bool:
    return any(path == p or path.startswith(p) for p in PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    return path.startswith("/api/")


class SessionGuard(BaseHTTPMiddleware):
    def __init__(self, app, accounts: AccountStore) -> None:  # type: ignore[no-untyped-def]
        super().__init__(app)
        self.accounts = accounts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        token = request.cookies.get(SESSION_COOKIE, "")
        session = self.accounts.session(token) if token else None
        request.state.session = session
        if is_public(path):
            if request.method in UNSAFE_METHODS and not await _login_csrf_ok(request):
                return _refuse(request, 403, "the form has expired: reload the page and try again")
            return await call_next(request)
        if session is None:
            if is_api(path) or request.method != "GET":
                return JSONResponse({"detail": "log in first"}, status_code=401)
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        if request.method in UNSAFE_METHODS and not await _session_csrf_ok(request, session):
            return _refuse(request, 403, "missing or wrong CSRF token: reload the page")
        return await call_next(request)


async def _submitted_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        await request.body()  # cached, so the route can read the form again
        form: FormData = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _session_csrf_ok(request: Request, session: Session) -> bool:
    return hmac.compare_digest(await _submitted_token(request), session.csrf_token)


async def _login_csrf_ok(request: Request) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(await _submitted_token(request), cookie)


def _refuse(request: Request, status: int, message: str) -> Response:
    if is_api(request.url.path):
        return JSONResponse({"detail": message}, status_code=status)
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def current_session(request: Request) -> Session:
    session: Session | None = getattr(request.state, "session", None)
    if session is None:
        raise HTTPException(401, "log in first")
    return session


def require_user(request: Request) -> Account:
    return current_session(request).account


def require_admin(request: Request) -> Account:
    account = current_session(request).account
    if not account.is_admin:
        raise HTTPException(403, "this page is for administrators")
    return account
