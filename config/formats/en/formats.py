"""Dates in English as a European shop's team reads them: "10 Dec 2026", never the US "12/10/2026".

Postsale's English-speaking agents mostly work for German and Swedish shops; a month/day
order next to German and Swedish colleagues' day/month dates is how a date gets misread.
Only dates and times change here; numbers keep Django's English defaults.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y"]
