// Public API of @tskube/kubelet-runtime.
