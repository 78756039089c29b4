"""Benchmarks: a deterministic corpus generator (`bench.corpus`) and timed runs of the product
against it (`bench.check_bench`, …). Results are recorded in bench/RESULTS.md."""
