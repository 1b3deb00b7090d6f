"""`manage.py drf_create_token USER`: the old name of create_api_token, for scripts that use it.

DRF's own command printed the stored plain-text key; this one makes a new hashed token, exactly
as create_api_token does, and prints it once.
"""

from .create_api_token import Command as CreateApiToken


class Command(CreateApiToken):
    help = "The same as create_api_token (DRF's old name): " + CreateApiToken.help
