"""The production topology in docker-compose.yml, the image it runs and the variables it needs.

There is no Docker engine here, but docker-compose (v1) validates and interpolates the file
without one; the structure is read with PyYAML, which resolves the file's YAML merge keys.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"

LONG_RUNNING = ("db", "redis", "web", "ws", "worker", "beat", "proxy")
DJANGO_SERVICES = ("migrate", "web", "ws", "worker", "beat")
REQUIRED_BLANKS = {
    "DJANGO_SECRET_KEY": "compose-test-secret",
    "POSTGRES_PASSWORD": "compose-owner",
    "POSTGRES_APP_PASSWORD": "compose-app",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_file(tmp_path: Path, **overrides: str) -> Path:
    """.env.example with its required blanks filled in (and any overrides)."""
    values = {**REQUIRED_BLANKS, **overrides}
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        name = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and name in values:
            line = f"{name}={values[name]}"
        lines.append(line)
    path = tmp_path / "compose.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def docker_compose(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    # A bare environment: a DATABASE_URL or REDIS_URL exported for the test suite must not
    # leak into the interpolation.
    return subprocess.run(
        [binary, "-f", str(COMPOSE), *args],
        cwd=REPO,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def command_text(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


# --- docker-compose itself ----------------------------------------------------------------------


def test_docker_compose_validates_the_file_with_the_example_settings(require_tool, tmp_path):
    binary = require_tool("docker-compose")
    result = docker_compose(binary, "--env-file", str(env_file(tmp_path)), "config", "-q")
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_the_file_without_a_secret_key(require_tool, tmp_path):
    binary = require_tool("docker-compose")
    result = docker_compose(
        binary, "--env-file", str(env_file(tmp_path, DJANGO_SECRET_KEY="")), "config", "-q"
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_only_migrate_connects_as_the_schema_owner(require_tool, tmp_path):
    binary = require_tool("docker-compose")
    result = docker_compose(binary, "--env-file", str(env_file(tmp_path)), "config")
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    owner_url = "postgres://portal:compose-owner@db:5432/portal"
    app_url = "postgres://portal_app:compose-app@db:5432/portal"
    assert resolved["migrate"]["environment"]["DATABASE_URL"] == owner_url
    for name in ("web", "ws", "worker", "beat"):
        environment = resolved[name]["environment"]
        assert environment["DATABASE_URL"] == app_url
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["DJANGO_ALLOWED_HOSTS"] == "portal.labour.example.gov.cn,localhost"
    db = resolved["db"]["environment"]
    assert (db["POSTGRES_PASSWORD"], db["POSTGRES_APP_PASSWORD"]) == (
        "compose-owner",
        "compose-app",
    )


def test_the_database_volume_is_initialised_with_the_application_role(services):
    assert (
        "./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/10-portal-app-role.sh:ro"
        in services["db"]["volumes"]
    )


# --- topology -------------------------------------------------------------------------------------


def test_every_service_of_the_topology_exists(services):
    assert set(services) == {*LONG_RUNNING, "migrate"}


def test_data_stores_are_postgresql_15_and_redis_7(services):
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_each_long_running_service_has_a_health_check(services, name):
    healthcheck = services[name]["healthcheck"]
    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert not healthcheck.get("disable", False)


@pytest.mark.parametrize("name", ["web", "ws"])
def test_web_processes_are_healthy_only_when_healthz_answers(services, name):
    test = services[name]["healthcheck"]["test"]
    port = "8000" if name == "web" else "8001"
    assert test[1:3] == ["python", "deploy/healthcheck.py"]
    assert test[3] == f"http://127.0.0.1:{port}/healthz"
    assert f"{port}" in command_text(services[name])


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_django_services_get_production_settings_database_and_redis(services, name):
    environment = services[name]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
    assert environment["PORTAL_PRIVATE_ROOT"] == "/data/private"
    assert "DJANGO_CSRF_TRUSTED_ORIGINS" in environment
    assert environment["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize("name", ["web", "ws", "worker", "beat"])
def test_nothing_serves_before_migrations_have_run(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["db", "redis", "web", "ws", "worker", "beat", "proxy"])
def test_every_long_running_service_is_started_again_when_it_exits(services, name):
    # A Celery worker that exits on a broker restart comes back by itself (issue 17).
    assert services[name]["restart"] == "unless-stopped"


def test_make_run_starts_the_celery_worker_again_when_it_exits():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    run = makefile[makefile.index("\nrun:") : makefile.index("# --- tests")]
    worker = next(line for line in run.splitlines() if "celery -A config worker" in line)
    assert re.search(r"while (true|:); do .*celery -A config worker", worker), worker


def test_migrate_runs_migrations_and_collects_static_into_the_shared_volume(services):
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    text = command_text(migrate)
    assert text.index("manage.py check --deploy") < text.index("manage.py migrate --noinput")
    assert text.index("manage.py migrate --noinput") < text.index("manage.py collectstatic")
    assert "static:/app/var/staticfiles" in migrate["volumes"]
    assert "migrate" not in migrate["depends_on"]


def test_http_is_served_by_gunicorn_threaded_workers_and_websockets_by_daphne(services):
    web = command_text(services["web"])
    assert web.startswith("gunicorn config.wsgi:application")
    assert "--worker-class=gthread" in web
    assert "--workers=${WEB_CONCURRENCY:-2}" in web
    assert "--threads=${WEB_THREADS:-4}" in web
    ws = command_text(services["ws"])
    assert ws.startswith("daphne ") and ws.endswith("config.asgi:application")
    assert "--proxy-headers" in ws


def test_celery_worker_and_beat_run_separately(services):
    worker, beat = command_text(services["worker"]), command_text(services["beat"])
    assert worker.startswith("celery --app=config worker")
    assert "--beat" not in worker
    assert beat.startswith("celery --app=config beat")


def test_volumes_are_declared_and_mounted_where_the_settings_expect_them(compose, services):
    assert {"pg-data", "private", "static"} <= set(compose["volumes"])
    assert "pg-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    for name in ("web", "ws", "worker"):
        assert "private:/data/private" in services[name]["volumes"]
    assert "static:/srv/static:ro" in services["proxy"]["volumes"]
    # Private files never reach the proxy: only permission-checked views serve them.
    assert not any(volume.startswith("private:") for volume in services["proxy"]["volumes"])


def test_only_the_proxy_publishes_ports_and_it_cannot_reach_the_data_stores(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["networks"] == ["frontend"]
    for name in ("db", "redis"):
        assert services[name]["networks"] == ["backend"]
    for name in ("web", "ws"):
        assert set(services[name]["networks"]) == {"frontend", "backend"}


def test_the_proxy_renders_deploy_nginx_conf_with_the_hostname(services):
    proxy = services["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/templates/nginx.conf.template:ro" in proxy["volumes"]
    assert proxy["environment"]["NGINX_ENVSUBST_OUTPUT_DIR"] == "/etc/nginx"
    assert proxy["environment"]["PORTAL_HOSTNAME"].startswith("${PORTAL_HOSTNAME:?")
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert proxy["depends_on"]["ws"]["condition"] == "service_healthy"


# --- the image and the example settings -----------------------------------------------------------


def test_env_example_documents_every_variable_the_compose_file_reads():
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    documented = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert used - documented == set()
    assert used >= {
        "DJANGO_SECRET_KEY",
        "POSTGRES_PASSWORD",
        "POSTGRES_APP_PASSWORD",
        "PORTAL_HOSTNAME",
        "EMAIL_HOST",
    }


def test_env_example_leaves_the_secrets_blank():
    values = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert values["DJANGO_SECRET_KEY"] == ""
    assert values["POSTGRES_PASSWORD"] == ""
    assert values["POSTGRES_APP_PASSWORD"] == ""


def test_image_installs_the_same_system_packages_as_make_run():
    makefile = (REPO / "Makefile").read_text()
    run_packages = set(re.search(r"^RUN_PACKAGES := (.+)$", makefile, re.MULTILINE)[1].split())
    dockerfile = DOCKERFILE.read_text()
    install = re.search(
        r"apt-get install -y --no-install-recommends \\\s*\n\s*(.+?) \\", dockerfile
    )
    assert install is not None
    assert set(install[1].split()) == run_packages


def test_image_is_python_311_slim_bookworm_with_messages_and_static_built_in():
    dockerfile = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.MULTILINE)
    assert "manage.py compilemessages" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert re.search(r"^USER portal$", dockerfile, re.MULTILINE)
