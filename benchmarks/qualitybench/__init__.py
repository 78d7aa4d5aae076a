"""Helpers of benchmarks/automl_quality.py: datasets and splits, the methods compared, the report.

Not part of the synhelpers package (which never imports from benchmarks/).
"""
