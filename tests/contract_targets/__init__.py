"""Rooms API servers for the contract suite's self-test: one correct, many faulty."""
