"""Placeholder: filled in by the assignment's author."""
