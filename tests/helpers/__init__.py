"""Test helpers: one way to build real git repositories for every test."""
