"""Render: items to per-channel renditions (Markdown, images) and the preview page."""
