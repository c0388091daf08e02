"""Who can reach what: logins, roles, CSRF, lockout, escaping and uploads."""

from __future__ import annotations

import io
import re

import pytest
from starlette.routing import Mount

from tests.web_ui.site import ADMIN_PASSWORD, form_token, log_in, web_site
from web_ui.auth.store import Role

PUBLIC = {"/login", "/setup"}


def concrete(path: str) -> str:
    """A route's path with its parameters filled in."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: {"port": "0", "kind": "phone", "section": "system"}.get(m.group(1), "101"),
        path,
    )


def every_route(app):
    """(method, path) of every route, through included routers, static files left out."""

    def walk(routes, prefix):
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + route.include_context.prefix)
            elif not isinstance(route, Mount):
                for method in sorted(route.methods or {"GET"}):
                    if method != "HEAD":
                        yield method, prefix + route.path

    yield from walk(app.routes, "")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with web_site(tmp_path_factory.mktemp("security")) as (client, data):
        yield client, data


def test_no_route_answers_without_a_login_except_login_and_static(site):
    client, _ = site
    client.cookies.clear()
    checked = 0
    for method, path in every_route(client.app):
        if path in PUBLIC:
            continue
        response = client.request(method, concrete(path), follow_redirects=False)
        if method == "GET" and not path.startswith("/api/"):
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login"), (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)
        checked += 1
    assert checked > 30
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/login").status_code == 200


def test_an_employee_reaches_only_their_own_pages(site):
    client, _ = site
    admin_token = log_in(client)
    employee_page = client.get("/employees/101")
    response = client.post(
        "/employees/101/login",
        data={"password": "employee pass 1", "csrf_token": form_token(employee_page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert admin_token
    client.cookies.clear()
    token = log_in(client, "101", "employee pass 1")
    assert client.get("/me").status_code == 200
    assert client.get("/api/v1/me").json()["extension"] == "101"
    for method, path in every_route(client.app):
        own = ("/me", "/api/v1/me", "/logout", "/api/v1/openapi", "/voicemail")
        if path in PUBLIC or path.startswith(own):  # own voicemail: test_voicemail_pages
            continue
        response = client.request(
            method, concrete(path), headers={"X-CSRF-Token": token}, follow_redirects=False
        )
        if path == "/":
            assert response.status_code == 303 and response.headers["location"] == "/me"
        else:
            assert response.status_code == 403, (method, path, response.status_code)
    client.cookies.clear()


def test_writes_need_the_csrf_token(site):
    client, _ = site
    token = log_in(client)
    before = client.get("/api/v1/config/system").json()
    changed = {**before, "name": "Forged"}
    assert client.put("/api/v1/config/system", json=changed).status_code == 403
    assert (
        client.put("/api/v1/config/system", json=changed, headers={"X-CSRF-Token": "x" * 43})
    ).status_code == 403
    form = {"system.name": "Forged", "system.country": "US", "system.timezone": "UTC"}
    assert client.post("/system", data=form).status_code == 403
    assert client.get("/api/v1/config/system").json()["name"] == before["name"]
    saved = client.put("/api/v1/config/system", json=changed, headers={"X-CSRF-Token": token})
    assert saved.status_code == 200 and saved.json()["name"] == "Forged"
    client.put("/api/v1/config/system", json=before, headers={"X-CSRF-Token": token})
    client.cookies.clear()


def test_ten_wrong_passwords_lock_the_account_for_a_while(site):
    client, _ = site
    client.cookies.clear()
    client.app.state.web.accounts.create("deputy", ADMIN_PASSWORD, Role.ADMIN)
    for attempt in range(10):
        token = form_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": "deputy", "password": f"guess {attempt}", "csrf_token": token},
        )
        assert response.status_code == 401
    assert "locked" in response.text
    token = form_token(client.get("/login").text)
    refused = client.post(
        "/login", data={"username": "deputy", "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 401 and "locked" in refused.text
    log_in(client)  # other accounts are not affected
    client.cookies.clear()


def test_script_in_a_name_is_shown_as_text(site):
    client, _ = site
    token = log_in(client)
    employee = client.get("/api/v1/employees/102").json()
    hostile = {**employee, "name": "<script>alert(1)</script>"}
    assert (
        client.put(
            "/api/v1/employees/102", json=hostile, headers={"X-CSRF-Token": token}
        ).status_code
        == 200
    )
    page = client.get("/employees").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    client.put("/api/v1/employees/102", json=employee, headers={"X-CSRF-Token": token})
    client.cookies.clear()


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(site):
    client, _ = site
    token = log_in(client)
    before = client.get("/api/v1/config").json()
    response = client.post(
        "/backup/restore",
        data={"csrf_token": token},
        files={"backup": ("photo.jpg", io.BytesIO(b"\xff\xd8\xff" + b"x" * 5000), "image/jpeg")},
    )
    assert response.status_code == 422
    assert "not restored" in response.text
    assert client.get("/api/v1/config").json() == before
    client.cookies.clear()
