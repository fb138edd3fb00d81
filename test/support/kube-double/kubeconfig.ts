/**
 * Part of the Kubernetes API test double: the kubeconfig a client uses to reach it.
 *
 * Follows "Organizing Cluster Access Using kubeconfig Files": one cluster (plain http on 127.0.0.1,
 * `insecure-skip-tls-verify` so client libraries accept it), one user with a bearer token, and a
 * current context whose default namespace is `default`.
 */
import YAML from "yaml";

export function kubeconfigYaml(url: string, token: string): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "kube-double", cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: "kube-double", user: { token } }],
    contexts: [
      { name: "kube-double", context: { cluster: "kube-double", user: "kube-double", namespace: "default" } },
    ],
    "current-context": "kube-double",
  });
}
