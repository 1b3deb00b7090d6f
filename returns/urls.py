from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("<slug:shop>/policy/", views.policy_view, name="policy"),
]
