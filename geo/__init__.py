"""Geography: the configured area, boundaries, lookups and web-ready map geometry."""
