"""Auditor feature files (Gherkin, French), shipped inside the wheel as `controlplane.features`."""
