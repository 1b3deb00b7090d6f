from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("<str:source>/<slug:shop>/", views.webhook, name="webhook"),
]
