"""Tests of synhelpers.artifacts (a package, so test module names cannot clash with other folders)."""
