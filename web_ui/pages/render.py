"""Rendering a page: the template, the user's language, the menu their role may see."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from web_ui.auth.guard import CSRF_FIELD
from web_ui.auth.store import Session
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.i18n import LANGUAGES, N_, Localizer, pick_language
from web_ui.reasons import say_reason
from web_ui.state import web_state

# (path, label); labels are translated when the menu is drawn.
ADMIN_MENU = [
    ("/", N_("Dashboard")),
    ("/employees", N_("Employees")),
    ("/scenarios", N_("Scenarios")),
    ("/call-centres", N_("Call centres")),
    ("/inbound", N_("Inbound calls")),
    ("/hours", N_("Working hours")),
    ("/lines", N_("Lines")),
    ("/phones", N_("Phones")),
    ("/greetings", N_("Greetings")),
    ("/mailboxes", N_("Voicemail boxes")),
    ("/voicemail", N_("Voicemail")),
    ("/recordings", N_("Recordings")),
    ("/history", N_("History")),
    ("/reports", N_("Reports")),
    ("/email", N_("E-mail")),
    ("/system", N_("System")),
    ("/backup", N_("Backup")),
    ("/logs", N_("Log")),
    ("/lab", N_("Lab")),
]
EMPLOYEE_MENU = [("/me", N_("My settings")), ("/voicemail", N_("My voicemail"))]
ADMIN_MENU.append(("/me", N_("My settings")))


def localizer(request: Request) -> Localizer:
    state = web_state(request)
    session: Session | None = getattr(request.state, "session", None)
    chosen = session.account.language if session is not None else request.cookies.get("sb_lang")
    language = pick_language(
        chosen, request.headers.get("accept-language", ""), state.system.get("language", "")
    )
    return Localizer(language, state.system.get("timezone", "UTC"))


async def refresh_system(request: Request) -> dict[str, Any] | None:
    """The engine's whole configuration, remembering its system settings; None if the
    engine cannot be reached."""
    state = web_state(request)
    try:
        config = await state.engine.config()
    except (EngineUnavailable, ControlError):
        return None
    state.system = dict(config.get("system", {}))
    return config


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    state = web_state(request)
    session: Session | None = getattr(request.state, "session", None)
    l10n = localizer(request)
    menu = []
    if session is not None:
        menu = ADMIN_MENU if session.account.is_admin else EMPLOYEE_MENU
    context.update(
        session=session,
        account=session.account if session else None,
        csrf_field=CSRF_FIELD,
        csrf_token=session.csrf_token if session else context.get("csrf_token", ""),
        l10n=l10n,
        _=l10n.gettext,
        gettext=l10n.gettext,
        reason=lambda text: say_reason(text, l10n.gettext),
        ngettext=l10n.ngettext,
        menu=menu,
        path=request.url.path,
        languages=LANGUAGES,
        system_name=state.system.get("name", "Switchboard"),
    )
    return state.templates.TemplateResponse(request, template, context, status_code=status_code)
