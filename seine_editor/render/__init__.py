"""Compositing, audio mix and export of a timeline snapshot. No Qt."""
