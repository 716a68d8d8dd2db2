"""`hdsctl audit`: the auditor's face. French Gherkin features, executed with pytest-bdd,
whose steps read the results of a real sweep (same scheduler path as `hdsctl run`) and whose
every line traces back to a control, an HDS activity, an ISO control and a stored record."""
