# Production image: gunicorn (web), Celery worker and Celery beat all run from it (docker-compose.yml).
FROM python:3.11-slim-bookworm

# Templates, static files and catalogs are found relative to the source tree, so the code in
# /app (PYTHONPATH), not the copy pip puts in site-packages, must be the one imported.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PYTHONPATH=/app

# WeasyPrint's Pango/HarfBuzz libraries, a CJK font so Chinese PDFs are not tofu, and gettext to
# compile the translation catalogs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# collectstatic needs no secrets, but the production settings insist on having them.
RUN pip install . \
    && python manage.py compilemessages --ignore var \
    && DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin carbon \
    && mkdir -p var/media var/celery \
    && chown -R carbon:carbon var

USER carbon
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
