"""Landing to raw: the landing contract, discovery and inspection of the delivered files (FAERS quarters too),
and the load."""
