"""`rooms-contract lint`: hold a spec to OpenAPI and to the project's rules."""
