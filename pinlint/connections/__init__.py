"""Connection settings: their model, connection-string parsing and config files."""
