"""The Rooms API contract suite: checks any implementation against the spec."""
