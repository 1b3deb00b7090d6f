# The Postsale image: one image for web (gunicorn), worker and beat (celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Run the code in /app, not the copy pip installs: settings find templates, static and locale next to it.
    PYTHONPATH=/app \
    POSTSALE_DATA_DIR=/data

# gettext compiles the German and Swedish catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The dependencies alone first, so this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY . .
# DEBUG=false at build time too: production serves the hashed, compressed files of the manifest storage.
# No secret at build time: collectstatic signs nothing, and a key in the image would be public.
RUN pip install --no-deps . \
    && python manage.py compilemessages --ignore=.venv \
    && DEBUG=false python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 postsale \
    && mkdir -p /data \
    && chown -R postsale /data
USER postsale

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
