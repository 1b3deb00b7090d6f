from django.conf import settings
from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("feedback/<str:token>/<int:rating>/", views.feedback, name="feedback"),
]

if settings.DEBUG:
    # The development mailbox shows what the file e-mail backend wrote; never in production.
    urlpatterns += [
        path("dev/mailbox/", views.dev_mailbox, name="dev-mailbox"),
        path("dev/mailbox/<str:key>/", views.dev_mailbox_message, name="dev-mailbox-message"),
    ]
