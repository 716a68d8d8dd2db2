"""Access traces for one tenant (HDS v2 EXI 15/16): the normalised record, the sources plugins
contribute through `hds_trace_sources`, the staff directory, and the sealed export."""
