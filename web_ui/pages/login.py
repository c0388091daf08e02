"""Logging in and out, and the first visit that sets the administrator's password."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from web_ui.auth.guard import LOGIN_CSRF_COOKIE, SESSION_COOKIE, new_login_csrf
from web_ui.auth.store import LoginRefused, PasswordTooWeak, Role
from web_ui.i18n import LANGUAGES
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False)
ADMIN_NAME = "admin"


def _safe_next(target: str) -> str:
    """Only a path on this site, so a crafted link cannot send a user elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _with_login_csrf(request: Request, template: str, status: int = 200, **context) -> Response:  # type: ignore[no-untyped-def]
    token = new_login_csrf()
    response = render(request, template, status, csrf_token=token, **context)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/", max_age=3600
    )
    return response


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    if not web_state(request).accounts.has_admin():
        return RedirectResponse("/setup", status_code=303)
    await refresh_system(request)
    return _with_login_csrf(request, "login.html", next=_safe_next(next), error="")


@router.post("/login")
async def log_in(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    state = web_state(request)
    try:
        session = state.accounts.log_in(username.strip(), password)
    except LoginRefused as refusal:
        _ = localizer(request).gettext
        return _with_login_csrf(
            request,
            "login.html",
            401,
            next=_safe_next(next),
            error=refusal.say(_),
            username=username,
        )
    state.accounts.audit(session.account.username, "login")
    home = _safe_next(next) if session.account.is_admin else "/me"
    response = RedirectResponse(home, status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict", path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def log_out(request: Request) -> Response:
    session = getattr(request.state, "session", None)
    if session is not None:
        web_state(request).accounts.log_out(session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/setup")
async def setup_page(request: Request) -> Response:
    if web_state(request).accounts.has_admin():
        return RedirectResponse("/login", status_code=303)
    await refresh_system(request)
    return _with_login_csrf(request, "setup.html", error="")


@router.post("/setup")
async def set_up(
    request: Request,
    password: str = Form(""),
    repeat: str = Form(""),
    language: str = Form("en"),
) -> Response:
    state = web_state(request)
    if state.accounts.has_admin():
        return RedirectResponse("/login", status_code=303)
    _ = localizer(request).gettext
    error = ""
    if password != repeat:
        error = _("the two passwords differ")
    else:
        try:
            state.accounts.create(
                ADMIN_NAME, password, Role.ADMIN, language=language if language in LANGUAGES else ""
            )
        except PasswordTooWeak as weak:
            error = _(str(weak))
    if error:
        return _with_login_csrf(request, "setup.html", 400, error=error)
    state.accounts.audit(ADMIN_NAME, "account.create", "administrator set on first visit")
    session = state.accounts.log_in(ADMIN_NAME, password)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict", path="/")
    return response
