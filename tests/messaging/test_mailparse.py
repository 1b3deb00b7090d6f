"""Reading a buyer's mail without the database: their own words, machines' mail, threading, attachments."""

import io
import time

import pytest
from PIL import Image

from messaging.mailparse import (
    Authentication,
    InboundIn,
    html_text,
    is_attribution_line,
    is_automatic,
    recipient_addresses,
    referenced_message_ids,
    reply_tokens,
    safe_filename,
    sender_authentication,
    sniff_type,
    strip_quoted,
)

from . import hostile

OWN_WORDS = "Das Paket ist immer noch nicht da.\nBitte prüfen Sie das.\n\nViele Grüße\nAnna"


# --- strip_quoted: attributions -----------------------------------------------------------


@pytest.mark.parametrize(
    "attribution",
    [
        # Gmail, German
        "Am Mo., 23. Nov. 2026 um 14:02 Uhr schrieb Leinen & Liebe <hilfe@leinen.example>:",
        # Apple Mail, German
        "Am 23.11.2026 um 14:02 schrieb Leinen & Liebe <hilfe@leinen.example>:",
        # Thunderbird, German
        "Am 23.11.26 um 14:02 schrieb Leinen & Liebe:",
        # Gmail, Swedish
        "Den mån 23 nov. 2026 kl 14:02 skrev Linnestugan <hej@linnestugan.example>:",
        # Apple Mail, Swedish
        "23 nov. 2026 kl. 14:02 skrev Linnestugan <hej@linnestugan.example>:",
        # Gmail, English
        "On Mon, Nov 23, 2026 at 2:02 PM Leinen & Liebe <hilfe@leinen.example> wrote:",
        # Apple Mail, English
        "On 23 Nov 2026, at 14:02, Leinen & Liebe <hilfe@leinen.example> wrote:",
    ],
)
def test_attribution_line_starts_the_quoted_history(attribution):
    text = f"{OWN_WORDS}\n\n{attribution}\n\nGuten Tag Anna,\nIhr Paket ist unterwegs.\n"

    assert strip_quoted(text) == OWN_WORDS


def test_attribution_wrapped_by_gmail_inside_the_address_is_recognised():
    text = (
        f"{OWN_WORDS}\n\n"
        "Am Mo., 23. Nov. 2026 um 14:02 Uhr schrieb Leinen & Liebe <\n"
        "hilfe@leinen.example>:\n\n"
        "> Guten Tag Anna,\n"
    )

    assert strip_quoted(text) == OWN_WORDS


def test_attribution_wrapped_in_swedish_is_recognised():
    text = (
        "Hej, paketet har inte kommit.\n\n"
        "Den mån 23 nov. 2026 kl 14:02 skrev Linnestugan Kundtjänst\n"
        "<hej@linnestugan.example>:\n\n"
        "> Hej Karin,\n"
    )

    assert strip_quoted(text) == "Hej, paketet har inte kommit."


def test_buyers_own_line_ending_in_schrieb_is_kept():
    text = "Ich bin am 3. Mai umgezogen, meine Nachbarin schrieb mir dazu:\nDas Paket liegt im Keller."

    assert strip_quoted(text) == text


# --- strip_quoted: Outlook header blocks ----------------------------------------------------


@pytest.mark.parametrize(
    "header_block",
    [
        "Von: Leinen & Liebe <hilfe@leinen.example>\n"
        "Gesendet: Montag, 23. November 2026 14:02\n"
        "An: Anna Berg <anna.berg@example.de>\n"
        "Betreff: Ihr Paket ist unterwegs",
        "Från: Linnestugan <hej@linnestugan.example>\n"
        "Skickat: den 23 november 2026 14:02\n"
        "Till: Karin Lind <karin.lind@example.se>\n"
        "Ämne: Ditt paket är på väg",
        "From: Leinen & Liebe <hilfe@leinen.example>\n"
        "Sent: Monday, November 23, 2026 2:02 PM\n"
        "To: Anna Berg <anna.berg@example.de>\n"
        "Subject: Your parcel is on its way",
        # Outlook for Mac says "Datum:" where Windows says "Skickat:".
        "Från: Linnestugan <hej@linnestugan.example>\n"
        "Datum: måndag, 23 november 2026 14:02\n"
        "Till: Karin Lind <karin.lind@example.se>",
        # GMX puts the date first.
        "Gesendet: Montag, 23. November 2026 um 14:02 Uhr\n"
        'Von: "Leinen & Liebe" <hilfe@leinen.example>\n'
        "An: anna.berg@example.de",
        # Outlook's HTML mail turned into text keeps the bold as asterisks.
        "*From:* Leinen & Liebe <hilfe@leinen.example>\n*Sent:* Monday, November 23, 2026 2:02 PM",
    ],
)
def test_outlook_header_block_starts_the_quoted_history(header_block):
    text = f"{OWN_WORDS}\n\n________________________________\n{header_block}\n\nGuten Tag Anna,\n"

    assert strip_quoted(text) == OWN_WORDS


def test_a_from_line_without_a_date_line_is_the_buyers_own_sentence():
    text = (
        "Von: meiner Nachbarin habe ich gehört, dass der Bote zweimal da war.\nAn: der Tür war kein Zettel."
    )

    assert strip_quoted(text) == text


# --- strip_quoted: separators and '>' quotes ------------------------------------------------


@pytest.mark.parametrize(
    "separator",
    [
        "-----Ursprüngliche Nachricht-----",
        "-------- Original-Nachricht --------",
        "-----Originalmeddelande-----",
        "-----Original Message-----",
        "----- original message -----",
    ],
)
def test_original_message_separator_starts_the_quoted_history(separator):
    text = f"{OWN_WORDS}\n\n{separator}\nFrom: Leinen & Liebe\nDear Anna,\n"

    assert strip_quoted(text) == OWN_WORDS


def test_quoted_lines_below_the_reply_are_dropped():
    text = f"{OWN_WORDS}\n\n> Guten Tag Anna,\n> Ihr Paket ist unterwegs.\n"

    assert strip_quoted(text) == OWN_WORDS


def test_buyer_writing_below_the_quote_keeps_their_words():
    text = "> Ist das Paket angekommen?\n\nNein, es kam nie an."

    assert strip_quoted(text) == "Nein, es kam nie an."


def test_reply_without_a_quote_is_kept_whole():
    assert strip_quoted(f"\n{OWN_WORDS}\n\n") == OWN_WORDS


def test_windows_line_endings_are_read_like_any_other():
    text = "Hello,\r\nit never came.\r\n\r\nOn Mon, Nov 23, 2026 at 2:02 PM Shop <a@shop.example> wrote:\r\n> Dear Anna\r\n"

    assert strip_quoted(text) == "Hello,\nit never came."


@pytest.mark.parametrize("text", ["", None, "\n\n"])
def test_an_empty_body_gives_no_words(text):
    assert strip_quoted(text) == ""


# --- is_automatic ---------------------------------------------------------------------------


def mail(from_email="anna.berg@example.de", content_type="text/plain", **headers) -> InboundIn:
    return InboundIn(
        from_email=from_email,
        content_type=content_type,
        headers={name.replace("_", "-"): value for name, value in headers.items()},
    )


AUTOMATIC = {
    "out_of_office": mail(Auto_Submitted="auto-replied"),
    "machine_notice": mail(Auto_Submitted="auto-generated"),
    "newsletter": mail(Precedence="bulk"),
    "old_style_auto_reply": mail(Precedence="auto_reply"),
    "x_autoreply": mail(X_Autoreply="yes"),
    "x_autorespond": mail(X_Autorespond="Out of office"),
    "mailing_list": mail(List_Id="<news.leinen.example>"),
    "null_return_path": mail(Return_Path="<>"),
    # A delivery status notification (RFC 3464) is a report, whoever sends it.
    "bounce_report": mail(from_email="postmaster@example.de", content_type="multipart/report"),
    "report_from_anyone": mail(content_type="multipart/report"),
    "mailer_daemon": mail(from_email="MAILER-DAEMON@mx.example.de"),
    "noreply": mail(from_email="noreply@example.de"),
    "no_reply": mail(from_email="no-reply@example.se"),
    "esp_bounces": mail(from_email="bounces+123@esp.example"),
}

PERSONAL = {
    "plain": mail(),
    "auto_submitted_no": mail(Auto_Submitted="no"),
    # Outlook sets it on every mail a person writes: it asks us not to auto-reply.
    "outlook_suppress": mail(X_Auto_Response_Suppress="All"),
    "other_precedence": mail(Precedence="first-class"),
    "reply_in_the_name": mail(from_email="replies.welcome@example.de"),
}


@pytest.mark.parametrize("kind", AUTOMATIC)
def test_auto_replies_and_bounces_are_automatic(kind):
    assert is_automatic(AUTOMATIC[kind])


@pytest.mark.parametrize("kind", PERSONAL)
def test_mail_a_person_wrote_is_not_automatic(kind):
    assert not is_automatic(PERSONAL[kind])


def test_header_names_and_values_are_read_in_any_case():
    assert is_automatic(InboundIn(from_email="anna@example.de", headers={"AUTO-SUBMITTED": "Auto-Replied"}))


# --- threading and recipients -----------------------------------------------------------------


def test_reply_tokens_are_read_from_our_reply_addresses_only():
    incoming = InboundIn(
        from_email="anna@example.de",
        to=[
            " REPLY+0123456789ABCDEF0123@reply.postsale.test ",
            "hilfe@leinen.example",
            "reply+xyz@elsewhere",
        ],
    )

    assert reply_tokens(incoming) == ["0123456789abcdef0123"]


def test_in_reply_to_comes_first_then_the_newest_reference():
    incoming = InboundIn(
        from_email="anna@example.de",
        in_reply_to="<b@postsale>",
        references="<a@postsale> <b@postsale>\n <c@postsale>",
    )

    assert referenced_message_ids(incoming) == ["<b@postsale>", "<c@postsale>", "<a@postsale>"]


def test_a_mail_answering_nothing_references_nothing():
    assert referenced_message_ids(InboundIn(from_email="anna@example.de")) == []


def test_recipients_include_the_envelope_of_a_forwarded_mailbox():
    incoming = InboundIn(
        from_email="anna@example.de",
        to=["Leinen & Liebe <Hilfe@Leinen.example>"],
        headers={"Delivered-To": "support@forwarder.example", "X-Original-To": "info@leinen.example"},
    )

    assert recipient_addresses(incoming) == [
        "hilfe@leinen.example",
        "support@forwarder.example",
        "info@leinen.example",
    ]


# --- attachments ------------------------------------------------------------------------------


def image_bytes(image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, image_format, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "mimetype"),
    [
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "image/gif",
        ),
        (image_bytes("WEBP"), "image/webp"),
        (image_bytes("PDF"), "application/pdf"),
        # The ftyp box an iPhone writes at the start of a photo.
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
    ],
)
def test_sniff_type_knows_photos_and_pdfs_by_their_first_bytes(content, mimetype):
    assert sniff_type(content) == mimetype


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"PK\x03\x04\x14\x00\x06\x00",  # a Word document (a ZIP) named scan.pdf
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        image_bytes("BMP"),
        b"Hallo, anbei das Foto",
    ],
)
def test_sniff_type_names_nothing_else(content):
    assert sniff_type(content) == ""


@pytest.mark.parametrize(
    ("filename", "mimetype", "stored_as"),
    [
        ("Foto vom Paket.JPG", "image/jpeg", "Foto_vom_Paket.jpg"),
        ("Kvitto för köp.pdf", "application/pdf", "Kvitto_f_r_k_p.pdf"),
        ("rechnung.exe", "application/pdf", "rechnung.pdf"),
        # No slash survives: the name stays one file in the upload folder.
        ("../../etc/passwd.png", "image/png", ".._.._etc_passwd.png"),
        (".png", "image/png", "attachment.png"),
        ("bild.webp", "image/webp", "bild.webp"),
        ("IMG_0001.HEIC", "image/heic", "IMG_0001.heic"),
    ],
)
def test_safe_filename_keeps_a_harmless_stem_and_the_real_type(filename, mimetype, stored_as):
    assert safe_filename(filename, mimetype) == stored_as


def test_safe_filename_shortens_a_long_name():
    assert safe_filename("a" * 300 + ".pdf", "application/pdf") == "a" * 80 + ".pdf"


# --- hostile text: every check is linear ---------------------------------------------------------


@pytest.mark.parametrize("kind", hostile.TEXTS)
def test_a_megabyte_built_to_make_the_reader_backtrack_is_read_at_once(kind):
    started = time.perf_counter()
    strip_quoted(hostile.TEXTS[kind])

    # Milliseconds in fact; the old code needed 12.5 s for 14 kB of the first one.
    assert time.perf_counter() - started < 2


def test_the_megabyte_line_is_matched_as_fast_as_a_short_one():
    # Below the cut to the first 100 kB: the patterns alone, on the whole line.
    started = time.perf_counter()
    found = is_attribution_line(hostile.ATTRIBUTION_LINE + ":")

    assert not found and time.perf_counter() - started < 0.5


@pytest.mark.parametrize("kind", hostile.HTML)
def test_a_megabyte_of_hostile_html_is_read_at_once(kind):
    started = time.perf_counter()
    html_text(hostile.HTML[kind])

    assert time.perf_counter() - started < 2


def test_html_mail_is_read_without_head_styles_or_markup():
    html = (
        "<html><head><title>Mail</title><style>p {color: red}</style></head><body>"
        "<header>Hej</header><p>Paketet &amp; kvittot</p><script>alert(1)</script><p>kom aldrig<br>fram</p>"
        "</body></html>"
    )

    assert html_text(html) == "HejPaketet & kvittot\nkom aldrig\nfram"


# --- the receiving server's verdict on the sender --------------------------------------------------


def test_verdict_is_read_from_the_receiving_servers_authentication_results():
    headers = [
        ("Received", "from mail-ej1.google.com by inbound-smtp.eu-west-1.amazonaws.com"),
        (
            "Authentication-Results",
            "amazonses.com; spf=pass smtp.mailfrom=example.se; "
            "dkim=fail header.d=old.example; dkim=pass header.d=example.se; dmarc=pass header.from=example.se;",
        ),
        ("Received", "by mail-ej1.google.com with SMTP id x"),
    ]

    assert sender_authentication(headers) == Authentication(spf="pass", dkim="pass", dmarc="pass")


def test_verdict_written_into_the_mail_by_its_sender_is_not_believed():
    headers = [
        ("Received", "from mx.forger.example by mx.esp.example"),
        ("Received-SPF", "Fail (mailfrom) identity=mailfrom"),
        ("Received", "from localhost by mx.forger.example"),
        # Below the receiving server's headers: the forger's own.
        ("Authentication-Results", "mx.esp.example; spf=pass; dkim=pass; dmarc=pass"),
    ]

    assert sender_authentication(headers) == Authentication(spf="fail")


def test_mailgun_reports_its_verdict_in_its_own_headers():
    headers = [("X-Mailgun-Spf", "Pass"), ("X-Mailgun-Dkim-Check-Result", "Fail"), ("Received", "x")]

    assert sender_authentication(headers) == Authentication(spf="pass", dkim="fail")


@pytest.mark.parametrize(
    ("verdict", "failed"),
    [
        (Authentication(), False),
        (Authentication(spf="pass", dkim="pass", dmarc="pass"), False),
        # Forwarded mail fails SPF but keeps its signature.
        (Authentication(spf="fail", dkim="pass"), False),
        (Authentication(spf="softfail"), False),
        (Authentication(spf="fail"), True),
        (Authentication(spf="pass", dkim="pass", dmarc="fail"), True),
    ],
)
def test_a_verdict_failed_only_when_the_domain_says_the_mail_is_not_theirs(verdict, failed):
    assert verdict.failed is failed
