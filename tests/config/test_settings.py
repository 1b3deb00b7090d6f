"""The settings as a server gets them: DEBUG off unless set, no key built in, refusals before serving.

Each of these starts Python afresh with the project's settings (config.settings, not the test
suite's) and nothing of the environment's Postsale variables, in a data directory of its own.
"""

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing

from config.keys import OLD_DEVELOPMENT_KEY, PUBLISHED_KEYS
from orders import links
from tests.factories import make_order

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = base64.b64encode(os.urandom(48)).decode()
SECRETS_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
SETTINGS_OF_THE_SUITE = (
    "DEBUG",
    "SECRET_KEY",
    "POSTSALE_SECRETS_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "ANYMAIL_ESP",
)


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_OF_THE_SUITE}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", POSTSALE_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def settings_of(names: str, data_dir: Path, **env: str) -> list[str]:
    """The named settings (comma-separated) as a freshly started process reads them."""
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "; ".join(f"print(s.{name.strip()})" for name in names.split(","))
    result = run(["-c", code], data_dir, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "desk.example.com"}


def test_debug_is_off_when_nothing_says_otherwise(tmp_path):
    assert settings_of("DEBUG", tmp_path) == ["False"]


def test_production_with_its_own_keys_passes_check_deploy_without_warnings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **PRODUCTION,
        SECRET_KEY=STRONG_KEY,
        POSTSALE_SECRETS_KEY=SECRETS_KEY,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(["manage.py", "check"], tmp_path, **PRODUCTION, POSTSALE_SECRETS_KEY=SECRETS_KEY)

    assert result.returncode != 0
    assert "postsale.secrets.E001" in result.stderr and "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_a_secrets_key_of_its_own(tmp_path):
    result = run(["manage.py", "check"], tmp_path, **PRODUCTION, SECRET_KEY=STRONG_KEY)

    assert result.returncode != 0
    assert "postsale.secrets.E004" in result.stderr and "POSTSALE_SECRETS_KEY is not set" in result.stderr


@pytest.mark.parametrize("server", ["migrate", "gunicorn", "celery worker"])
def test_a_server_given_the_old_development_key_refuses_to_start(tmp_path, server):
    command = {
        "migrate": ["manage.py", "migrate", "--noinput"],
        # What gunicorn does first: import the WSGI application.
        "gunicorn": ["-c", "import config.wsgi"],
        "celery worker": ["-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING"],
    }[server]

    result = run(
        command, tmp_path, **PRODUCTION, SECRET_KEY=OLD_DEVELOPMENT_KEY, POSTSALE_SECRETS_KEY=SECRETS_KEY
    )

    assert result.returncode != 0
    assert "published in Postsale's repository" in result.stderr


def test_the_laptop_demo_makes_its_own_key_on_the_first_run_and_keeps_it(tmp_path):
    [first] = settings_of("SECRET_KEY", tmp_path, DEBUG="true")
    [again] = settings_of("SECRET_KEY", tmp_path, DEBUG="true")

    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first == again
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first not in PUBLISHED_KEYS and len(first) >= 50


def test_a_portal_link_signed_with_the_old_development_key_is_refused(client, shop):
    # The attack of issue 12: the key printed in the repository signs a link to any buyer's order.
    order = make_order(shop)
    forged = signing.TimestampSigner(key=OLD_DEVELOPMENT_KEY, salt=links.LINK_SALT).sign_object(
        {"o": order.pk, "s": order.shop_id}
    )

    response = client.get(f"/portal/{shop.slug}/o/{forged}/")

    assert response.status_code == 403
    assert client.get(f"/portal/{shop.slug}/order/{order.number}/").status_code != 200
    assert order.number not in response.content.decode()


def test_no_file_of_the_project_holds_a_published_key_but_the_list_that_refuses_them():
    allowed = {ROOT / "config" / "keys.py"}
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = [
        name
        for name in tracked
        if (ROOT / name) not in allowed
        and (ROOT / name).is_file()
        and any(key in (ROOT / name).read_text(errors="ignore") for key in PUBLISHED_KEYS)
    ]

    assert found == []


def test_the_image_collects_its_static_files_without_any_secret(tmp_path):
    # The Dockerfile runs collectstatic with DEBUG=false and no key at all: a key in the image is public.
    result = run(["manage.py", "collectstatic", "--noinput", "--dry-run"], tmp_path, DEBUG="false")

    assert result.returncode == 0, result.stderr


def test_development_mailbox_is_written_under_the_data_folder(tmp_path):
    backend, path = settings_of("EMAIL_BACKEND, EMAIL_FILE_PATH", tmp_path, DEBUG="true")

    assert backend.endswith("filebased.EmailBackend")
    assert path == str(tmp_path / "mail")
