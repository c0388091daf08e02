from __future__ import annotations

from pathlib import Path

import pytest

from tests.firmware.mail.smtp_server import self_signed_certificate


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))
