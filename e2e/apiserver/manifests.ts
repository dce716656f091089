/** Manifests the kubectl tests feed to `create -f`, `apply -f` and `delete -f`. */

/** Namespace, pod, service and replication controller, all in namespace `ns`. */
export function appManifest(ns: string, opts: { image?: string; podLabels?: Record<string, string> } = {}): string {
  const labels = { app: 'web', ...opts.podLabels };
  const labelYaml = Object.entries(labels)
    .map(([k, v]) => `    ${k}: ${v}`)
    .join('\n');
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: ${ns}
  labels:
${labelYaml}
spec:
  containers:
  - name: web
    image: ${opts.image ?? 'tskube/busybox:latest'}
    command: ["httpd", "-f", "-p", "8080"]
    ports:
    - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ReplicationController
metadata:
  name: web-rc
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    app: web-rc
  template:
    metadata:
      labels:
        app: web-rc
    spec:
      containers:
      - name: web
        image: tskube/busybox:latest
`;
}

/** Two nodes as a kubelet would register them: with status (conditions, addresses, nodeInfo). */
export function nodesManifest(names: string[]): string {
  return names
    .map(
      (name, i) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels:
    kubernetes.io/hostname: ${name}
spec: {}
status:
  capacity:
    cpu: "4"
    memory: 8Gi
    pods: "110"
  allocatable:
    cpu: "4"
    memory: 8Gi
    pods: "110"
  conditions:
  - type: Ready
    status: "True"
    reason: KubeletReady
    message: kubelet is posting ready status
    lastHeartbeatTime: "2025-01-01T00:00:00Z"
    lastTransitionTime: "2025-01-01T00:00:00Z"
  addresses:
  - type: InternalIP
    address: 127.0.0.${10 + i}
  - type: Hostname
    address: ${name}
  nodeInfo:
    kubeletVersion: v1.32.0-tskube
    osImage: Debian GNU/Linux 12 (bookworm)
    kernelVersion: 6.1.0
    containerRuntimeVersion: docker://20.10.24
    machineID: ""
    systemUUID: ""
    bootID: ""
    kubeProxyVersion: v1.32.0-tskube
    operatingSystem: linux
    architecture: amd64
`,
    )
    .join('---\n');
}

/** A pod the server must refuse: no image, and a container name that is not a DNS label. */
export function invalidPod(ns: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: bad
  namespace: ${ns}
spec:
  containers:
  - name: Not_A_Label
`;
}

/** A pod with a field the v1 schema does not have. */
export function unknownFieldPod(ns: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: typo
  namespace: ${ns}
spec:
  containers:
  - name: web
    image: tskube/busybox:latest
    imagee: typo
`;
}
