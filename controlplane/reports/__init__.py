"""Auditor and tool reports: HTML, JSON, OSCAL, JUnit, CSV."""
