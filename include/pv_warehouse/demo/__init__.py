"""Demo extracts: the hospital, national and FAERS files the demo refresh and the benchmark build from."""
