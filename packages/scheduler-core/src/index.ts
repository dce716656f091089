// Public API of @tskube/scheduler-core.
