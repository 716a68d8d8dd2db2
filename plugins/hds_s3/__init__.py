"""Built-in S3 plugin (work in progress)."""
