"""Report rollups: counters and money sums per shop and day, so reports never scan raw rows.

`models` holds the tables, `build` computes their rows from the raw tables for a
shop and a span of days, `refresh` keeps them current: PostgreSQL triggers
(`triggers`) note which shop-days a write touched, and a beat task rebuilds just
those days from a watermark. `reconcile_rollups` rebuilds everything.

Days are the shop's own calendar days (its time zone), so "30 days" and
"March" mean what the owner means.
"""
