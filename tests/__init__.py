"""The test suite (a package, so test folders such as tests/workspace never shadow the real packages)."""
