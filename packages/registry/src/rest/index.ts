// The REST layer: /api/v1 over express.
