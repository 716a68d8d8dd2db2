"""Local Redfish servers for `hdsctl demo` and the tests: sushy-static (OpenStack sushy-tools)
serving a DMTF-format mockup shipped here (`mockups/server`), over TLS with a local CA.
Nothing here is imported by a production module."""
