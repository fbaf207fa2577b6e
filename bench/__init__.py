"""Benchmarks that print figures and ratios; never part of the pass/fail test run."""
