// Public API of @tskube/component-base.
