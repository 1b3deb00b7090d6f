"""A megabyte of each kind of text that made the old reader of buyers' mail slow; for tests and benchmarks."""

MEGABYTE = 1_000_000

# The line that took the old attribution pattern 12.5 s at 14 kB: "Am", then digits and spaces.
ATTRIBUTION_LINE = "Am " + "1 " * (MEGABYTE // 2)

TEXTS = {
    "attribution_line": ATTRIBUTION_LINE,
    "attribution_line_with_colon": "Am " + "1 " * (MEGABYTE // 2 - 2) + ":",
    "date_first_attribution_line": "1 " * (MEGABYTE // 2) + "schrieb",
    "wrapped_attribution_lines": "Am 1 x\n" * (MEGABYTE // 7),
    # email_reply_parser's "On … wrote:" pattern backtracked cubically on these,
    "on_on_on": "On " * (MEGABYTE // 3),
    "on_lines_then_wrote": "On\n" * (MEGABYTE // 3) + "x wrote:",
    # and it walked every fragment again below each header.
    "header_fragments": "From: x\nabc\n" * (MEGABYTE // 12),
    "outlook_header_lines": "Von: x\n" * (MEGABYTE // 7),
    "separator_dashes": "-" * MEGABYTE,
    "quote_marks": "> " * (MEGABYTE // 2),
    "empty_lines": "\n" * MEGABYTE,
    "signature_marks": "--\n\n" * (MEGABYTE // 4),
    "rules": "x\n-------\n" * (MEGABYTE // 10),
}

# Django's strip_tags parses HTML again until nothing changes.
HTML = {
    "open_brackets": "<" * MEGABYTE,
    "unclosed_tags": "<a" * (MEGABYTE // 2),
    "empty_styles": "<style></style>" * (MEGABYTE // 15),
    "bold_runs": "<b>x" * (MEGABYTE // 4),
}
