from django.urls import path

from . import policy

app_name = "returns"
urlpatterns = [
    path("<slug:shop>/policy/", policy.policy_view, name="policy"),
]
