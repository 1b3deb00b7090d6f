from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def grams(value):
    """1234 -> "1.23 kg", 850 -> "850 g": how a person reads a parcel scale."""
    if value is None or value == "":
        return "–"
    value = int(value)
    return f"{value / 1000:.2f} kg" if value >= 1000 else f"{value} g"


@register.filter
def bar_value(row, chart):
    return row[chart.value_column] or 0


@register.filter
def bar_width(value, maximum):
    try:
        return round(100 * float(value) / float(maximum), 1)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


@register.filter
def isodatetime(value):
    """An ISO timestamp from stored evidence, shown in the reader's time zone and format."""
    from django.utils import formats, timezone
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return value or "–"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
