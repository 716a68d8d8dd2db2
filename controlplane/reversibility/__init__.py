"""The client's right to leave (HDS v2 EXI 27), proven rather than promised.

`hdsctl reversibility test` exports a tenant's data the way a departing client would receive it
(plugins do the I/O: objects of its buckets, logical dumps of its databases) into a scratch
destination, writes an inventory (every object and table, size, SHA-256), compares it with the live
inventory, and records the outcome as evidence in the tenant's chain. The control REV-01 is judged
from those records at every run. `hdsctl reversibility destroy-check` verifies that nothing of a
departed tenant remains and records that too.

The core imports no cloud SDK: exporters and inspectors come from plugins through the
`hds_reversibility` hook (see `model.Reversibility`).
"""
