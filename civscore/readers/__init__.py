"""Reading unit tables as offices send them: one module per source format, one file-safety module."""
