"""The web UI over HTTPS with the appliance's own certificate, and HTTP sending browsers there."""

import http.client
import importlib.machinery
import importlib.util
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.firmware.mail.smtp_server import free_port
from web_ui.https_redirect import redirect_location

FIRSTBOOT = Path(__file__).parents[2] / "image/rootfs/usr/local/sbin/switchboard-firstboot"
STARTUP_TIMEOUT_S = 60.0


def firstboot_module():
    loader = importlib.machinery.SourceFileLoader("switchboard_firstboot", str(FIRSTBOOT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # its dataclasses look their module up
    loader.exec_module(module)
    return module


def start_web(data, *arguments):
    env = dict(os.environ, SWITCHBOARD_DATA=str(data))
    return subprocess.Popen(
        [sys.executable, "-m", "web_ui", "--data", str(data), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(answers, process):
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the web process exited:\n{process.stdout.read()}")
        try:
            return answers()
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the web process did not answer")


def stop(process):
    process.terminate()
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def test_the_redirect_keeps_host_and_path_and_drops_the_http_port():
    head = b"GET /calls?day=2 HTTP/1.1\r\nHost: switchboard.local:80\r\n\r\n"
    assert redirect_location(head, 443, "fallback") == "https://switchboard.local/calls?day=2"
    assert redirect_location(head, 8443, "fallback") == (
        "https://switchboard.local:8443/calls?day=2"
    )


def test_the_redirect_without_a_usable_host_goes_to_the_units_own_name():
    assert redirect_location(b"GET / HTTP/1.0\r\n\r\n", 443, "switchboard.local") == (
        "https://switchboard.local/"
    )
    forged = b"GET http://evil/ HTTP/1.1\r\nHost: a b/<x>\r\n\r\n"
    assert redirect_location(forged, 443, "switchboard.local") == "https://switchboard.local/"
    ipv6 = b"GET /x HTTP/1.1\r\nHost: [fe80::1]:80\r\n\r\n"
    assert redirect_location(ipv6, 443, "s") == "https://[fe80::1]/x"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """The certificate first boot makes for the unit (switchboard.local and 127.0.0.1)."""
    data = tmp_path_factory.mktemp("data")
    assert firstboot_module().ensure_certificate(data) is True
    assert firstboot_module().ensure_certificate(data) is False  # kept on later boots
    return data / "tls" / "cert.pem", data / "tls" / "key.pem"


def test_web_ui_answers_over_https_and_plain_http_redirects_there(tmp_path, certificate):
    cert, key = certificate
    https_port, http_port = free_port(), free_port()
    web = start_web(
        tmp_path / "data",
        *("--listen", f"127.0.0.1:{https_port}", "--redirect-http", f"127.0.0.1:{http_port}"),
        *("--tls-cert", str(cert), "--tls-key", str(key)),
    )
    trusted = ssl.create_default_context(cafile=str(cert))  # verifies name and signature
    try:
        page = wait_until(
            lambda: urllib.request.urlopen(
                f"https://127.0.0.1:{https_port}/", context=trusted, timeout=10
            ),
            web,
        )
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        connection.request("GET", "/settings", headers={"Host": f"switchboard.local:{http_port}"})
        redirect = connection.getresponse()
        connection.close()
    finally:
        output = stop(web)
    assert page.status == 200
    assert "<html" in page.read().decode().lower()
    assert redirect.status == 301
    assert redirect.getheader("Location") == f"https://switchboard.local:{https_port}/settings"
    assert f"serving on https://127.0.0.1:{https_port}/" in output


def test_a_missing_certificate_is_a_clear_error(tmp_path):
    web = start_web(
        tmp_path / "data",
        *("--listen", f"127.0.0.1:{free_port()}"),
        *("--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem")),
    )
    output = web.communicate(timeout=60)[0]
    assert web.returncode == 1
    assert f"cannot serve HTTPS: {tmp_path / 'cert.pem'} does not exist" in output
