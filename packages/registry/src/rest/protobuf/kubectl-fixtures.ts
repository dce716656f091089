/**
 * Request bodies captured from the stock kubectl 1.32.4 (/usr/bin/kubectl), as hex.
 *
 * How they were made: a throwaway plain-HTTP server on 127.0.0.1 logged every request body and
 * answered each POST with a small JSON object; kubectl ran against it with
 * `--server http://127.0.0.1:<port>` and the commands named below. Each body was sent with
 * `Content-Type: application/vnd.kubernetes.protobuf` and
 * `Accept: application/vnd.kubernetes.protobuf,application/json` (kubectl then took the JSON answer).
 */
export const KUBECTL_BODIES = {
  /** `kubectl create namespace pb-ns --dry-run=server` → POST /api/v1/namespaces */
  createNamespace:
    '6b3873000a0f0a02763112094e616d657370616365121d0a150a0570622d6e7312001a0022002a003200380042001200' +
    '1a020a001a002200',
  /** `kubectl create service clusterip web --tcp=80:8080 -n pb-ns` → POST /api/v1/namespaces/pb-ns/services */
  createServiceClusterIP:
    '6b3873000a0d0a027631120753657276696365126e0a240a0377656212001a0570622d6e7322002a003200380042005a' +
    '0a0a03617070120377656212420a1b0a0738302d38303830120354435018502207080010903f1a002800120a0a036170' +
    '7012037765621a002209436c757374657249503a00420052005a00600068001a020a001a002200',
  /** `kubectl create service nodeport np --tcp=5678:8080,53:dns -n pb-ns` → POST /api/v1/namespaces/pb-ns/services */
  createServiceNodePort:
    '6b3873000a0d0a027631120753657276696365128b010a220a026e7012001a0570622d6e7322002a003200380042005a' +
    '090a0361707012026e7012610a1e0a09353637382d38303830120354435018ae2c2207080010903f1a0028000a1c0a06' +
    '35332d646e73120354435018352209080110001a03646e73280012090a0361707012026e701a0022084e6f6465506f72' +
    '743a00420052005a00600068001a020a001a002200',
  /** `kubectl create service externalname ext --external-name=example.com -n pb-ns` → POST /api/v1/namespaces/pb-ns/services */
  createServiceExternalName:
    '6b3873000a0d0a027631120753657276696365125f0a240a0365787412001a0570622d6e7322002a003200380042005a' +
    '0a0a0361707012036578741233120a0a0361707012036578741a00220c45787465726e616c4e616d653a004200520b65' +
    '78616d706c652e636f6d5a00600068001a020a001a002200',
  /** `kubectl create service clusterip headless --clusterip=None -n pb-ns` → POST /api/v1/namespaces/pb-ns/services */
  createServiceHeadless:
    '6b3873000a0d0a02763112075365727669636512640a2e0a08686561646c65737312001a0570622d6e7322002a003200' +
    '380042005a0f0a036170701208686561646c657373122e120f0a036170701208686561646c6573731a044e6f6e652209' +
    '436c757374657249503a00420052005a00600068001a020a001a002200',
  /** `kubectl create service loadbalancer lb --tcp=443:https -n pb-ns` → POST /api/v1/namespaces/pb-ns/services */
  createServiceLoadBalancer:
    '6b3873000a0d0a02763112075365727669636512750a220a026c6212001a0570622d6e7322002a003200380042005a09' +
    '0a0361707012026c62124b0a220a093434332d6874747073120354435018bb03220b080110001a056874747073280012' +
    '090a0361707012026c621a00220c4c6f616442616c616e6365723a00420052005a00600068001a020a001a002200',
  /** `kubectl auth can-i create pods` → POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews (captured through a logging loopback proxy in front of tskube) */
  authCanICreatePods:
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a65637441636365' +
    '7373526576696577123f0a100a0012001a0022002a0032003800420012210a1f0a0764656661756c7412066372656174' +
    '651a0022002a04706f647332003a001a08080012001a0020001a002200',
  /** `kubectl auth can-i get /metrics` → POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews (captured through a logging loopback proxy in front of tskube) */
  authCanIGetMetrics:
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a65637441636365' +
    '7373526576696577122f0a100a0012001a0022002a003200380042001211120f0a082f6d65747269637312036765741a' +
    '08080012001a0020001a002200',
  /** `kubectl auth can-i --list` → POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews (captured through a logging loopback proxy in front of tskube) */
  authCanIList:
    '6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c65' +
    '7352657669657712230a100a0012001a0022002a0032003800420012090a0764656661756c741a04180022001a002200',
  /** `kubectl auth whoami` → POST /apis/authentication.k8s.io/v1/selfsubjectreviews (captured through a logging loopback proxy in front of tskube) */
  authWhoami:
    '6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a656374526576' +
    '696577121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200',
} as const;
