"""Authoring an assignment: ``new`` (scaffold), ``assign`` (the student template from the
reference) and ``validate`` (the self-test before a release)."""
