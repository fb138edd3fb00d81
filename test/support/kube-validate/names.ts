/**
 * The name and label syntax rules of the Kubernetes API server (k8s.io/apimachinery
 * pkg/util/validation), each returning the messages the server gives for a bad value (empty: valid).
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A rule: at most `max` characters matching `re`, with the server's messages for each. */
const syntax =
  (max: number, re: RegExp, message: string) =>
  (v: string): string[] => {
    const errs: string[] = [];
    if (v.length > max) errs.push(`must be no more than ${max} characters`);
    if (!re.test(v)) errs.push(message);
    return errs;
  };

/** RFC 1123 label: at most 63 lower-case alphanumerics or '-', alphanumeric at both ends. */
export const dns1123Label = syntax(
  63,
  LABEL,
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
);

/** RFC 1035 label (Service names): like an RFC 1123 label but starting with a letter. */
export const dns1035Label = syntax(
  63,
  DNS1035_LABEL,
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
);

/** RFC 1123 subdomain: at most 253 characters of dot-separated labels. */
export const dns1123Subdomain = syntax(
  253,
  SUBDOMAIN,
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
);

/** A path segment name (RBAC objects): anything but '.', '..' or a name holding '/' or '%'. */
export function pathSegmentName(v: string): string[] {
  if (v === "." || v === "..") return [`may not be '${v}'`];
  if (v.includes("/") || v.includes("%")) return ["may not contain '/' or '%'"];
  return [];
}

/** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of ≤ 63. */
export function qualifiedName(v: string): string[] {
  const parts = v.split("/");
  let name = v;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
    name = rest;
  } else if (parts.length > 2) {
    return ["a qualified name must consist of an optional DNS subdomain prefix and '/' and a name"];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name))
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  return errs;
}

/** A label value: empty, or ≤ 63 alphanumerics, '-', '_', '.' starting and ending alphanumeric. */
export const labelValue = syntax(
  63,
  LABEL_VALUE,
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
);

/** A named port (IANA_SVC_NAME): ≤ 15 lower-case alphanumerics or '-', at least one letter, no '--'. */
export function portName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push("must be no more than 15 characters");
  if (!IANA_SVC_NAME.test(v))
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (v.includes("--")) errs.push("must not contain consecutive hyphens");
  if (!/[a-z]/.test(v)) errs.push("must contain at least one letter (a-z)");
  return errs;
}
