"""/anymail/<esp>/…: mounted by config.urls; `webhooks.esp_webhook` lets only the configured ESP's routes through."""

from django.urls import path

from .webhooks import esp_webhook

urlpatterns = [path("<path:route>", esp_webhook, name="esp-webhook")]
