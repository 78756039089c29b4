"""Content: the repo's items and publisher.toml, loaded and validated with file:line."""
