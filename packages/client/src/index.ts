// Public API of @tskube/client.
