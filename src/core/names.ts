/** The cluster DNS suffix of in-cluster Service addresses. */
export const CLUSTER_DOMAIN = 'cluster.local';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for an RFC 1123 label (Service and namespace names): lower case, digits and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

/** True for an RFC 1123 subdomain (host names, most object names), at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value) && value.split('.').every((l) => l.length <= 63);
}

/**
 * True for a valid name of a Kubernetes object that takes an RFC 1123 subdomain (Secret, ConfigMap, ...), as the
 * API server checks it (`IsDNS1123Subdomain`): at most 253 characters, no limit per dot-separated part.
 */
export function isObjectName(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** `<service>.<namespace>.svc.cluster.local`: the only way this project writes an in-cluster host name. */
export function serviceFqdn(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** `<pod>.<service>.<namespace>.svc.cluster.local`: a StatefulSet pod behind its headless Service. */
export function podFqdn(pod: string, service: string, namespace: string): string {
  return `${pod}.${serviceFqdn(service, namespace)}`;
}
