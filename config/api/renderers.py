"""DRF's browsable API under the site's Content-Security-Policy."""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages, for a person trying the API in a browser.

    DRF's templates set a few style attributes (floats, margins). These pages allow style
    attributes and nothing more inline: no <style> elements, no scripts. So the inline
    <style> of Pygments' colours (for code in Markdown descriptions, when both are
    installed) is left out.
    """

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # What django-csp's @csp_update does to a view's response, for this renderer's answers only.
            response._csp_update = {"style-src-attr": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
