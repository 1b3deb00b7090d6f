from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("feedback/<str:token>/<int:rating>/", views.feedback, name="feedback"),
    # The development mailbox answers 404 unless DEBUG is on and the request comes from this
    # machine (checked per request, views.debug_only).
    path("dev/mailbox/", views.dev_mailbox, name="dev-mailbox"),
    path("dev/mailbox/<str:key>/", views.dev_mailbox_message, name="dev-mailbox-message"),
]
