from django.db import migrations

# A first set for every shop (shop = NULL); owners edit them or add their own in the admin.
# Placeholders in {braces} are filled from the case when the agent picks the reply.
REPLIES = {
    "de": [
        (
            "Bitte um Fotos",
            "Vielen Dank für Ihre Nachricht, und es tut uns leid, dass nicht alles so angekommen ist, "
            "wie es sollte.\n\nDamit wir Ihnen schnell helfen können: Würden Sie uns bitte ein paar Fotos "
            "schicken, von der Ware und vom Paket von außen, gern auch vom Versandetikett? Antworten Sie "
            "einfach auf diese E-Mail und hängen Sie die Bilder an.\n\nSobald wir sie haben, melden wir "
            "uns bei Ihnen.",
        ),
        (
            "Paket ist unterwegs",
            "Ihr Paket zur Bestellung {order_number} ist unterwegs. Sie können es hier verfolgen:\n"
            "{tracking_link}\n\nSendungsnummer: {tracking_number} ({carrier_name})\n\nFalls es in den "
            "nächsten Tagen nicht ankommt, schreiben Sie uns bitte, dann kümmern wir uns sofort darum.",
        ),
        (
            "Danke für die Geduld",
            "Vielen Dank für Ihre Geduld. Wir haben noch keine Antwort vom Versanddienstleister, bleiben "
            "aber dran und melden uns, sobald wir mehr wissen, spätestens in drei Werktagen.",
        ),
        (
            "Adresse prüfen",
            "Bevor wir Ihre Bestellung {order_number} verschicken, möchten wir kurz sicher sein, dass "
            "die Lieferadresse stimmt. Könnten Sie uns bitte bestätigen, wohin das Paket gehen soll?",
        ),
    ],
    "sv": [
        (
            "Be om bilder",
            "Tack för ditt meddelande, och vad tråkigt att allt inte kom fram som det skulle.\n\n"
            "För att vi ska kunna hjälpa dig snabbt: skulle du vilja skicka några bilder på varan och på "
            "paketet utifrån, gärna också på fraktsedeln? Svara bara på det här mejlet och bifoga "
            "bilderna.\n\nSå fort vi har fått dem hör vi av oss.",
        ),
        (
            "Paketet är på väg",
            "Ditt paket för order {order_number} är på väg. Du kan följa det här:\n{tracking_link}\n\n"
            "Kolli-id: {tracking_number} ({carrier_name})\n\nOm det inte har kommit fram inom några dagar "
            "är du välkommen att skriva till oss, så tar vi hand om det direkt.",
        ),
        (
            "Tack för ditt tålamod",
            "Tack för ditt tålamod. Vi har ännu inte fått svar från transportören, men vi håller koll och "
            "hör av oss så snart vi vet mer, senast inom tre arbetsdagar.",
        ),
        (
            "Kontrollera adressen",
            "Innan vi skickar din order {order_number} vill vi vara säkra på att leveransadressen stämmer. "
            "Kan du bekräfta vart paketet ska skickas?",
        ),
    ],
    "en": [
        (
            "Ask for photos",
            "Thank you for your message, and we are sorry that not everything arrived as it should.\n\n"
            "So that we can help you quickly: would you send us a few photos of the goods and of the "
            "outside of the parcel, ideally including the shipping label? Just reply to this e-mail and "
            "attach the pictures.\n\nAs soon as we have them, we will get back to you.",
        ),
        (
            "Parcel on its way",
            "Your parcel for order {order_number} is on its way. You can follow it here:\n"
            "{tracking_link}\n\nTracking number: {tracking_number} ({carrier_name})\n\nIf it has not "
            "arrived in the next few days, please write to us and we will take care of it straight away.",
        ),
        (
            "Thanks for your patience",
            "Thank you for your patience. We have not heard back from the carrier yet, but we are staying "
            "on it and will write to you as soon as we know more, within three working days at the latest.",
        ),
        (
            "Check the address",
            "Before we ship your order {order_number}, we would like to make sure the delivery address is "
            "right. Could you please confirm where the parcel should go?",
        ),
    ],
}


def forwards(apps, schema_editor):
    CannedReply = apps.get_model("messaging", "CannedReply")
    for language, replies in REPLIES.items():
        for title, body in replies:
            CannedReply.objects.get_or_create(shop=None, language=language, title=title, defaults={"body": body})


def backwards(apps, schema_editor):
    CannedReply = apps.get_model("messaging", "CannedReply")
    for language, replies in REPLIES.items():
        CannedReply.objects.filter(shop=None, language=language, title__in=[t for t, _b in replies]).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
