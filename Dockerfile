# The portal's one image: the web (gunicorn), WebSocket (daphne), Celery worker and beat
# services of docker-compose.yml all run it with different commands.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The project runs from its source tree: config/settings/base.py finds templates/, static/
    # and locale/ beside config/, which a copy in site-packages would not have.
    PYTHONPATH=/app \
    PORTAL_VAR_DIR=/app/var \
    PORTAL_PRIVATE_ROOT=/data/private \
    DJANGO_SETTINGS_MODULE=config.settings.production

# The same system packages as the Makefile's RUN_PACKAGES: a CJK font and Pango/HarfBuzz for
# WeasyPrint's PDFs, gettext for compilemessages (tests/deploy checks the two lists agree).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-wqy-microhei gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system portal \
 && useradd --system --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, read from pyproject.toml alone, so a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# No `pip install .` of the project itself: it would put a second, unused copy of config/
# and portal/ in site-packages; the dependencies above are all that install brings.
COPY . .

# Build-time values only: production settings refuse to load without a key and a database,
# and neither step touches the database.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      python manage.py compilemessages -v0 \
 && DJANGO_SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      python manage.py collectstatic --noinput -v0 \
 && mkdir -p /app/var /data/private \
 && chown -R portal:portal /app/var /data/private

USER portal
EXPOSE 8000 8001
# docker-compose.yml gives every service its command; this default is the HTTP server.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
