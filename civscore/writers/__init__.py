"""Writing outputs: one module per format (with a ``SUFFIX``), atomic writing and formula neutralising once."""
