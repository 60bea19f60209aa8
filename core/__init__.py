"""The kernel every layer shares, importing nothing else of this project.

``area``        the configured partnership area (``Area``, ``load_area``) and GSS code levels
``lookups``     code lookups: LSOA -> MSOA -> LAD, predecessor codes, sub-ICB membership
``settings``    every environment variable the project reads
``http``        the HTTP client of every live source: cache, retries, rate limit, offline mode
``errors``      the error types, each naming the file, URL or codes at fault
``vocabulary``  area levels, figure statuses, polarity, aggregation rules, challenge ids
"""
