"""The generator of the bundled sample (``etl/sample/SAMPLE_*``): invented figures in the real
publishers' formats. ``etl/sample/make_sample.py`` runs it; each module here writes one family
of files, from shared places, seeded survey figures and reproducible-bytes helpers.

The code lives outside ``etl/sample/`` because the build scans that folder as its input.
"""
