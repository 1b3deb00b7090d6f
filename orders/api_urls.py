from django.urls import path

from . import api

urlpatterns = [
    path("orders/", api.OrderListCreate.as_view(), name="api-orders"),
    path("orders/<int:pk>/", api.OrderDetail.as_view(), name="api-order-detail"),
    path("tracking-events/", api.TrackingEventCreate.as_view(), name="api-tracking-events"),
]
