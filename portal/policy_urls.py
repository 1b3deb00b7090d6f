from django.urls import path

from . import policy

# The policy page keeps the address and the URL name it had when the returns app served it
# (/returns/<shop>/policy/, `returns:policy`): shops link to it from their own pages.
app_name = "returns"
urlpatterns = [
    path("<slug:shop>/policy/", policy.policy_view, name="policy"),
]
