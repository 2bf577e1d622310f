"""Stage 5: reporters. Each reads results and writes one format; none changes a result."""
