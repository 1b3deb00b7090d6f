"""The demo's carriers: their tracking pages, services and hubs, and their own words for each step of a parcel's way."""

from __future__ import annotations

from .shops import DE_SHOP, SE_SHOP

# code -> (name, tracking page)
CARRIERS = {
    "dhl": (
        "DHL",
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
    ),
    "dpd": ("DPD", "https://tracking.dpd.de/status/de_DE/parcel/{tracking_number}"),
    "hermes": (
        "Hermes",
        "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{tracking_number}",
    ),
    "postnord": (
        "PostNord",
        "https://www.postnord.se/vara-verktyg/spara-brev-paket-och-pall?shipmentId={tracking_number}",
    ),
    "bring": ("Bring", "https://tracking.bring.com/tracking/{tracking_number}"),
    "ups": ("UPS", "https://www.ups.com/track?loc=de_DE&tracknum={tracking_number}"),
}

# step -> (normalised status, carrier status code, description)
_DE_DHL = {
    "label": (
        "pre_transit",
        "ANK",
        "Die Auftragsdaten zu dieser Sendung wurden vom Absender elektronisch an DHL übermittelt.",
    ),
    "pickup": ("in_transit", "ABH", "Die Sendung wurde vom Absender in der Filiale eingeliefert."),
    "hub": ("in_transit", "SPZ", "Die Sendung wurde im Start-Paketzentrum bearbeitet."),
    "dest": ("in_transit", "ZPZ", "Die Sendung wurde im Ziel-Paketzentrum bearbeitet."),
    "out": ("out_for_delivery", "ZUV", "Die Sendung wurde in das Zustellfahrzeug geladen."),
    "delivered": ("delivered", "ZU", "Die Sendung wurde erfolgreich zugestellt."),
    "failed": (
        "delivery_failed",
        "NZU",
        "Der Empfänger wurde nicht angetroffen. Die Sendung wird in eine Filiale gebracht.",
    ),
    "pickup_point": ("available_for_pickup", "FIL", "Die Sendung liegt in der Filiale zur Abholung bereit."),
    "exception": ("exception", "BES", "Die Sendung wurde beschädigt und wird nachverpackt."),
    "returned": (
        "returned_to_sender",
        "RTS",
        "Die Sendung wurde nicht abgeholt und wird an den Absender zurückgesendet.",
    ),
    "unknown_address": (
        "returned_to_sender",
        "RTS-ADR",
        "Empfänger unter der angegebenen Adresse nicht zu ermitteln. Rücksendung an den Absender.",
    ),
    "lost": (
        "lost",
        "NFO",
        "Die Sendung konnte nicht aufgefunden werden. Die Nachforschung ist abgeschlossen.",
    ),
}
_DE_DPD = {
    "label": ("pre_transit", "00", "Auftragsdaten an DPD übermittelt"),
    "pickup": ("in_transit", "01", "Paket vom Versender übernommen"),
    "hub": ("in_transit", "02", "Im Paketzentrum sortiert"),
    "dest": ("in_transit", "10", "Im Zustelldepot eingetroffen"),
    "out": ("out_for_delivery", "03", "In Zustellung"),
    "delivered": ("delivered", "13", "Zugestellt"),
    "failed": ("delivery_failed", "15", "Zustellung nicht möglich: Empfänger nicht angetroffen"),
    "pickup_point": ("available_for_pickup", "23", "Paket liegt im DPD Pickup Paketshop zur Abholung bereit"),
    "exception": ("exception", "14", "Paket beschädigt, Klärung läuft"),
    "returned": ("returned_to_sender", "17", "Rücksendung an den Versender"),
    "unknown_address": ("returned_to_sender", "17", "Adresse nicht auffindbar, Rücksendung an den Versender"),
    "lost": ("lost", "99", "Paket nicht auffindbar, Nachforschung abgeschlossen"),
}
_DE_HERMES = {
    "label": ("pre_transit", "1000", "Die Sendung wurde Hermes elektronisch angekündigt."),
    "pickup": ("in_transit", "2000", "Die Sendung wurde im Hermes PaketShop eingeliefert."),
    "hub": ("in_transit", "2300", "Die Sendung wurde im Hermes Logistikzentrum sortiert."),
    "dest": ("in_transit", "2400", "Die Sendung hat das Hermes Verteilzentrum erreicht."),
    "out": ("out_for_delivery", "3000", "Die Sendung ist auf dem Weg zum Empfänger."),
    "delivered": ("delivered", "3500", "Die Sendung wurde zugestellt."),
    "failed": ("delivery_failed", "3600", "Der Empfänger wurde nicht angetroffen."),
    "pickup_point": (
        "available_for_pickup",
        "3700",
        "Die Sendung liegt im Hermes PaketShop zur Abholung bereit.",
    ),
    "exception": ("exception", "4100", "Die Sendung wurde beschädigt."),
    "returned": ("returned_to_sender", "4500", "Die Sendung wird an den Absender zurückgeführt."),
    "unknown_address": (
        "returned_to_sender",
        "4510",
        "Empfänger verzogen oder unbekannt. Die Sendung geht an den Absender zurück.",
    ),
    "lost": ("lost", "4900", "Die Sendung ist in Verlust geraten."),
}
_EN_UPS = {
    "label": ("pre_transit", "MP", "Shipper created a label, UPS has not received the package yet."),
    "pickup": ("in_transit", "P", "Pickup Scan"),
    "hub": ("in_transit", "I", "Departed from Facility"),
    "dest": ("in_transit", "I", "Arrived at Facility"),
    "out": ("out_for_delivery", "O", "Out For Delivery Today"),
    "delivered": ("delivered", "D", "Delivered"),
    "failed": (
        "delivery_failed",
        "X",
        "The receiver was not available for delivery. We'll make a second attempt the next business day.",
    ),
    "pickup_point": (
        "available_for_pickup",
        "X",
        "Your package is at the UPS Access Point location and can be picked up.",
    ),
    "exception": ("exception", "X", "Damage reported. The package is being repackaged."),
    "returned": ("returned_to_sender", "RS", "Returned to Sender"),
    "unknown_address": (
        "returned_to_sender",
        "RS",
        "The address is incomplete or incorrect. Returned to Sender.",
    ),
    "lost": ("lost", "X", "The package could not be located. A claim may be filed."),
}
_EN_DHL = {
    **_EN_UPS,
    "label": ("pre_transit", "PU", "Shipment information received"),
    "pickup": ("in_transit", "PU", "Shipment picked up"),
}
_SV_POSTNORD = {
    "label": ("pre_transit", "EDI_RECEIVED", "Försändelsen är förregistrerad hos PostNord."),
    "pickup": ("in_transit", "HANDED_IN", "Försändelsen har lämnats in hos PostNord."),
    "hub": ("in_transit", "SORTED", "Försändelsen har sorterats på terminal."),
    "dest": ("in_transit", "ARRIVED", "Försändelsen har ankommit till terminal."),
    "out": ("out_for_delivery", "OUT_FOR_DELIVERY", "Försändelsen är ute för utdelning."),
    "delivered": ("delivered", "DELIVERED", "Försändelsen har levererats."),
    "failed": (
        "delivery_failed",
        "DELIVERY_FAILED",
        "Leveransen misslyckades, mottagaren var inte anträffbar.",
    ),
    "pickup_point": (
        "available_for_pickup",
        "AVAILABLE_FOR_PICKUP",
        "Försändelsen finns att hämta hos ditt ombud.",
    ),
    "exception": ("exception", "DAMAGED", "Försändelsen har skadats och packas om."),
    "returned": (
        "returned_to_sender",
        "RETURNED",
        "Försändelsen har inte hämtats ut och returneras till avsändaren.",
    ),
    "unknown_address": (
        "returned_to_sender",
        "RETURNED",
        "Okänd mottagare på adressen. Försändelsen returneras till avsändaren.",
    ),
    "lost": ("lost", "LOST", "Försändelsen har inte kunnat spåras. Eftersökningen är avslutad."),
}
_EN_BRING = {
    "label": ("pre_transit", "PRE_NOTIFIED", "The shipment has been pre-notified."),
    "pickup": ("in_transit", "HANDED_IN", "The shipment has been handed in at the terminal."),
    "hub": ("in_transit", "IN_TRANSIT", "The shipment has departed from the terminal."),
    "dest": ("in_transit", "IN_TRANSIT", "The shipment has arrived at the terminal."),
    "out": ("out_for_delivery", "TRANSPORT_TO_RECIPIENT", "The shipment is on its way to the recipient."),
    "delivered": ("delivered", "DELIVERED", "The shipment has been delivered."),
    "failed": (
        "delivery_failed",
        "ATTEMPTED_DELIVERY",
        "Delivery attempt failed: the recipient was not at home.",
    ),
    "pickup_point": (
        "available_for_pickup",
        "READY_FOR_PICKUP",
        "The shipment is ready for pick-up at the pickup point.",
    ),
    "exception": ("exception", "DEVIATION", "The shipment has been damaged."),
    "returned": (
        "returned_to_sender",
        "RETURN",
        "The shipment was not collected and is being returned to the sender.",
    ),
    "unknown_address": (
        "returned_to_sender",
        "RETURN",
        "Unknown recipient at the address. Returned to the sender.",
    ),
    "lost": ("lost", "DEVIATION", "The shipment could not be found."),
}
# (carrier, shop) -> its words: the German carriers write German to the German shop, PostNord
# Swedish to the Swedish one, the others English.
STEP_TEXTS = {
    ("dhl", DE_SHOP): _DE_DHL,
    ("dpd", DE_SHOP): _DE_DPD,
    ("hermes", DE_SHOP): _DE_HERMES,
    ("ups", DE_SHOP): _EN_UPS,
    ("postnord", SE_SHOP): _SV_POSTNORD,
    ("bring", SE_SHOP): _EN_BRING,
    ("dhl", SE_SHOP): _EN_DHL,
    ("ups", SE_SHOP): _EN_UPS,
}
# Where a parcel is sorted after pickup: near the shop's warehouse.
HUBS = {
    "dhl": "Paketzentrum Bielefeld",
    "dpd": "Depot Bielefeld",
    "hermes": "Logistikzentrum Löhne",
    "ups": "Herford, DE",
    "postnord": "Terminal Gävle",
    "bring": "Terminal Stockholm",
}
# Where the driver leaves a parcel, as the scan says it, by the buyer's language.
DROP_PLACES = {
    "de": ["Haustür", "Briefkasten", "Nachbar", "Ablageort Garage", "Packstation", "Filiale"],
    "sv": ["Ombud", "Brevlåda", "Utanför dörren", "Paketskåp"],
    "en": ["Front door", "Reception", "Neighbour", "Parcel locker"],
}
# code -> ((domestic service, international service), express service)
SERVICES = {
    "dhl": (("DHL Paket", "DHL Paket International"), "DHL Express"),
    "dpd": (("DPD Classic", "DPD Classic"), "DPD Express"),
    "hermes": (("Hermes Paket", "Hermes Paket"), "Hermes Paket"),
    "ups": (("UPS Standard", "UPS Standard"), "UPS Express Saver"),
    "postnord": (("MyPack Collect", "Postpaket"), "MyPack Home Express"),
    "bring": (("PickUp Parcel", "PickUp Parcel"), "Home Delivery Parcel"),
}
