def test_order_posted_twice_exists_once(api, shop):
    payload = {
        "shop": "leinen",
        "number": "1001",
        "placed_at": "2026-11-01T10:00:00Z",
        "total": "59.80",
        "buyer": {"email": "Anna@Example.de", "name": "Anna", "language": "de"},
        "lines": [
            {
                "sku": "NAP-12",
                "title": "Servietten",
                "quantity": 4,
                "unit_price": "14.95",
                "unit_weight_g": 545,
                "personalisation": [{"label": "Monogramm", "value": "AMK"}],
            }
        ],
        "payment": {"method": "card", "reference": "ch_1"},
        "shipments": [{"carrier": "dhl", "tracking_number": "003404", "packed_weight_g": 2400}],
    }
    first = api.post("/api/v1/orders/", payload, format="json")
    assert first.status_code == 201, first.json()
    second = api.post("/api/v1/orders/", payload, format="json")
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    ev = api.post(
        "/api/v1/tracking-events/",
        [
            {
                "carrier": "dhl",
                "tracking_number": "003404",
                "event_id": "e2",
                "occurred_at": "2026-11-03T10:00:00Z",
                "status": "delivered",
            },
            {
                "carrier": "dhl",
                "tracking_number": "003404",
                "event_id": "e1",
                "occurred_at": "2026-11-02T10:00:00Z",
                "status": "in_transit",
            },
        ],
        format="json",
    )
    assert ev.json() == {"accepted": 2, "duplicates": 0}, ev.json()
    got = api.get("/api/v1/orders/?shop=leinen&number=1001").json()
    assert got["results"][0]["shipments"][0]["status"] == "delivered"
