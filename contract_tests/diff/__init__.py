"""`rooms-contract diff`: classify every change between two specs, from existing clients' side."""
