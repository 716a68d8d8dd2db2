"""Catalog data (YAML), shipped inside the wheel as `controlplane.catalog_data`."""
