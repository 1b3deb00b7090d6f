from django.utils import translation


class UserLanguageMiddleware:
    """Agents and owners read the desk in the language they chose, whatever their browser says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = None
        if user is not None and user.is_authenticated and not request.path.startswith("/portal/"):
            language = request.session.get("desk_language")
            if language is None:
                profile = getattr(user, "desk_profile", None) if hasattr(user, "desk_profile") else None
                language = (profile.language if profile else "") or ""
                request.session["desk_language"] = language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
