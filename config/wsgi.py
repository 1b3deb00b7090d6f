import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: without this it would serve with a published or missing key.
from config.checks import refuse_unsafe_secrets  # noqa: E402  (after the apps are loaded)

refuse_unsafe_secrets()
