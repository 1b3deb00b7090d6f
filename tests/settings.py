"""The test suite's settings: the project's own, with what the suite needs said here.

DEBUG is off unless set (config/settings.py). The suite loads the settings with DEBUG on,
as the laptop demo does: static files without collectstatic, no redirect to HTTPS for the
test client. pytest-django still runs every test with settings.DEBUG = False, so what
production does without DEBUG is what the tests see. The keys are made for this run, so
no key is written in the repository; processes the tests start (a Celery worker) inherit
them through the environment. Anything set in the environment wins.
"""

import base64
import os
import secrets

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
os.environ.setdefault("POSTSALE_SECRETS_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())

from config.settings import *  # noqa: E402, F403
