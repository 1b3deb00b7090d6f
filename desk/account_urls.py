"""The second step of a login, under /accounts/2fa/ next to Django's login pages."""

from django.urls import path

from .views import second_factor

urlpatterns = [
    path("", second_factor.second_factor_view, name="second_factor"),
    path("setup/", second_factor.second_factor_setup_view, name="second_factor_setup"),
]
