/**
 * Name rules of the CDI specification (SPEC.md "kind" and "devices.name"), shared by the validator, the
 * generator and the toolkit installer's `--cdi-kind` check. Each returns the problem as a phrase, or undefined.
 */
const ALNUM = /^[A-Za-z0-9]$/;
const LETTER = /^[A-Za-z]$/;

function check(
  what: string,
  value: string,
  opts: { first: RegExp; firstText: string; inner: RegExp; innerText: string; max?: number },
): string | undefined {
  if (value === '') return `${what} must not be empty`;
  if (opts.max !== undefined && value.length > opts.max)
    return `${what} "${value}" is longer than ${opts.max} characters`;
  if (!opts.first.test(value[0]!)) return `${what} "${value}" must start with ${opts.firstText}`;
  for (const c of value.slice(1, -1)) {
    if (!ALNUM.test(c) && !opts.inner.test(c)) {
      return `${what} "${value}" contains '${c}' (allowed: letters, digits and ${opts.innerText})`;
    }
  }
  if (!ALNUM.test(value[value.length - 1]!)) return `${what} "${value}" must end with a letter or digit`;
  return undefined;
}

/** Vendor: a DNS-subdomain-like prefix such as `nvidia.com` or `management.nvidia.com`. */
export function vendorProblem(vendor: string): string | undefined {
  return check('vendor', vendor, {
    first: LETTER,
    firstText: 'a letter',
    inner: /^[-_.]$/,
    innerText: "'-', '_', '.'",
    max: 253,
  });
}

/** Class: e.g. `gpu`; dots are allowed from cdiVersion 0.6.0 (the version rules account for that). */
export function classProblem(cls: string): string | undefined {
  return check('class', cls, {
    first: LETTER,
    firstText: 'a letter',
    inner: /^[-_.]$/,
    innerText: "'-', '_', '.'",
    max: 63,
  });
}

/** Device name: `0`, `0:1`, `GPU-…`, `all`. */
export function deviceNameProblem(name: string): string | undefined {
  return check('device name', name, {
    first: ALNUM,
    firstText: 'a letter or digit',
    inner: /^[-_.:]$/,
    innerText: "'-', '_', '.', ':'",
  });
}

/** `vendor/class`; returns the parts or the problem. */
export function parseKind(kind: string): { vendor: string; class: string } | { problem: string } {
  const slash = kind.indexOf('/');
  if (slash < 0)
    return { problem: `kind "${kind}" must have the form <vendor>/<class>, e.g. nvidia.com/gpu` };
  const vendor = kind.slice(0, slash);
  const cls = kind.slice(slash + 1);
  const problem = vendorProblem(vendor) ?? classProblem(cls);
  return problem === undefined ? { vendor, class: cls } : { problem };
}

/** Kubernetes qualified-name rules, which the CDI loader applies to annotation keys. */
export function annotationKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    if (prefix.length > 253 || !dns.test(prefix))
      return `annotation key prefix "${prefix}" must be a lowercase DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) {
    return `annotation key "${key}" must be a qualified name (≤63 characters, alphanumeric at both ends, '-', '_', '.' inside)`;
  }
  return undefined;
}

/** Linux interface names (IFNAMSIZ 16 with the NUL), as for netDevices. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length > 15) return `interface name "${name}" is longer than 15 characters`;
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) return `invalid interface name "${name}"`;
  return undefined;
}
