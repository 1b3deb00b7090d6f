"""No Docker engine runs here: check that the compose file says what the README promises."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def command(service: dict) -> str:
    value = service["command"]
    return " ".join(value) if isinstance(value, list) else value


def test_compose_defines_the_full_stack(services):
    assert set(services) == {"postgres", "redis", "mailpit", *APP_SERVICES}


def test_web_serves_gunicorn_on_port_8000(services):
    web = services["web"]

    assert command(web).startswith("gunicorn config.wsgi")
    assert "0.0.0.0:8000" in command(web)
    assert "8000:8000" in web["ports"]


def test_worker_and_beat_run_celery(services):
    assert command(services["worker"]).startswith("celery -A config worker")
    assert command(services["beat"]).startswith("celery -A config beat")


def test_migrations_run_before_the_app_starts(services):
    assert command(services["migrate"]) == "python manage.py migrate --noinput"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_backing_services_use_the_promised_images(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert {"8025:8025", "1025:1025"} <= set(services["mailpit"]["ports"])


def test_app_services_share_one_image_and_the_stack_environment(services):
    for name in APP_SERVICES:
        service = services[name]
        env = service["environment"]
        assert service["build"] == "."
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        assert env["EMAIL_URL"] == "smtp://mailpit:1025"
        assert env["DEBUG"] == "false"
        # The local stack speaks plain HTTP; a redirect to HTTPS would lock the browser out.
        assert env["SECURE_SSL_REDIRECT"] == "false"
        assert env["SECRET_KEY"] and env["ALLOWED_HOSTS"]


def test_dockerfile_builds_on_python_311_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install" in dockerfile
    assert "collectstatic --noinput" in dockerfile
