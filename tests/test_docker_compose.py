"""No Docker engine runs here: check that the compose file says what the README promises."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "sweeper", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def command(service: dict) -> str:
    value = service["command"]
    return " ".join(value) if isinstance(value, list) else value


def test_compose_defines_the_full_stack(services):
    assert set(services) == {"postgres", "redis", "cache", "mailpit", *APP_SERVICES}


def test_web_serves_gunicorn_on_port_8000(services):
    web = services["web"]

    assert command(web).startswith("gunicorn config.wsgi")
    assert "0.0.0.0:8000" in command(web)  # inside its container; published on 127.0.0.1 (below)


def test_worker_and_beat_run_celery(services):
    assert command(services["worker"]).startswith("celery -A config worker")
    # The sweeps have a worker of their own: a backlog of sends must not delay them.
    assert command(services["sweeper"]).startswith("celery -A config worker")
    assert "-Q sweeps" in command(services["sweeper"]) and "-Q celery" in command(services["worker"])
    assert command(services["beat"]).startswith("celery -A config beat")


def test_migrations_run_before_the_app_starts(services):
    assert command(services["migrate"]) == "python manage.py migrate --noinput"
    for name in ("web", "worker", "sweeper", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_backing_services_use_the_promised_images(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == services["cache"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")


def test_the_mail_catcher_and_the_plain_http_site_answer_this_machine_only(services):
    # Mailpit shows every buyer's e-mail with its portal link to whoever reaches it, unauthenticated.
    assert set(services["mailpit"]["ports"]) == {"127.0.0.1:8025:8025", "127.0.0.1:1025:1025"}
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    for name in ("postgres", "redis", "cache", *APP_SERVICES):
        if name != "web":
            assert "ports" not in services[name], name


def required(value: str, name: str) -> bool:
    """The value is `${NAME:?message}`-interpolated: compose refuses to start without NAME."""
    return re.search(r"\$\{" + name + r":\?[^}]+\}", value) is not None


def test_the_stack_requires_its_secrets_from_the_environment(services):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert required(env["SECRET_KEY"], "SECRET_KEY")
        assert required(env["POSTSALE_SECRETS_KEY"], "POSTSALE_SECRETS_KEY")
        assert required(env["DATABASE_URL"], "POSTGRES_PASSWORD")
    assert required(services["postgres"]["environment"]["POSTGRES_PASSWORD"], "POSTGRES_PASSWORD")


def test_nothing_in_the_compose_file_falls_back_to_a_value_written_in_it():
    # `${X:-default}` and `${X-default}` start with the default when X is unset: a public secret.
    text = (ROOT / "docker-compose.yml").read_text()
    interpolations = re.findall(r"\$\{([^}]*)\}", text)

    assert interpolations
    assert [i for i in interpolations if not re.fullmatch(r"[A-Z_]+:\?.+", i)] == []


def test_app_services_share_one_image_and_the_stack_environment(services):
    for name in APP_SERVICES:
        service = services[name]
        env = service["environment"]
        assert service["build"] == "."
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://cache:6379")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        assert env["EMAIL_URL"] == "smtp://mailpit:1025"
        assert env["DEBUG"] == "false"
        # The local stack speaks plain HTTP; a redirect to HTTPS would lock the browser out.
        assert env["SECURE_SSL_REDIRECT"] == "false"
        assert env["ALLOWED_HOSTS"]


def test_dockerfile_builds_on_python_311_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install" in dockerfile
    assert "collectstatic --noinput" in dockerfile


def test_the_image_holds_no_secret():
    # Anything the Dockerfile sets is in every copy of the image; the .env file is kept out of it too.
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "SECRET_KEY" not in dockerfile and "POSTSALE_SECRETS_KEY" not in dockerfile
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_cache_and_broker_are_separate_redis_servers(services):
    # The cache evicts what it likes and may be stopped; the broker keeps every queued task.
    assert "allkeys-lru" in command(services["cache"])
    assert "noeviction" in command(services["redis"])
    for name in ("web", "worker", "sweeper", "beat"):
        assert services[name]["depends_on"]["cache"]["condition"] == "service_healthy"
