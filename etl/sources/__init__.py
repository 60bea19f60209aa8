"""Source formats: one module per format, each a :class:`etl.extract.FormatParser`.

``etl.registry`` lists them (and the live clients beside them) in the order they are asked to
recognise a file. ``landing`` is not a format: it finds a publisher's current file on its page.
"""
