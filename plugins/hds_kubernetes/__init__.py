"""Built-in Kubernetes plugin (work in progress)."""
