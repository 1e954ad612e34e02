"""The contract suite: checks any implementation of the Rooms API against the spec and the
contract, as a pytest plugin and as `rooms-contract --base-url URL`."""
