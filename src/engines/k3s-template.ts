/**
 * k3s/RKE2 `config.toml.tmpl` / `config-v3.toml.tmpl`: a Go template that k3s renders into the containerd config
 * at every start (field-notes A-13). The one form we edit is `{{ template "base" . }}` (k3s's own config) followed
 * by plain TOML: the file is split into that head and a TOML tail, and only the tail is ever parsed or edited.
 *
 * The base is rendered in front of the tail, so the tail must never define a table the base defines (TOML
 * forbids it: containerd refuses the whole config and the node goes down). What the base defines comes from
 * k3s's template and runtime detection (facts from k3s-io/k3s pkg/agent/templates and pkg/agent/containerd),
 * over-approximated on purpose (a runtime k3s might generate is never written), and from the config k3s
 * rendered last time.
 */
import { basename } from 'node:path';
import { isTable } from '../edit/value';
import { ConfigError, UsageError } from '../errors';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import { CRI_PLUGIN } from './containerd';
import type { Tree } from './tree';

export const BASE_LINE = '{{ template "base" . }}';
const BASE_RE = /^\s*\{\{-?\s*template\s+"base"\s+\.\s*-?\}\}\s*$/;

/** The names k3s gives the files it renders the containerd config from (never plain TOML). */
export function isK3sTemplatePath(path: string): boolean {
  const name = basename(path);
  return name === 'config.toml.tmpl' || name === 'config-v3.toml.tmpl';
}

export interface TemplateParts {
  /** Everything up to and including the base line (and its newline); a new file gets the base line alone. */
  readonly head: string;
  readonly tail: string;
  /** Lines in `head`: added to the tail's parse-error lines so they name the file's own line. */
  readonly headLines: number;
}

/**
 * Splits a template into base head and TOML tail; '' (a file not there yet) gets a head of its own. Refuses a
 * template without the base line, and any template action besides it: neither is ours to interpret.
 */
export function splitTemplate(text: string, file: string): TemplateParts {
  if (text === '') return { head: `${BASE_LINE}\n\n`, tail: '', headLines: 2 };
  const lines = text.split('\n');
  let base = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (base < 0 && BASE_RE.test(line)) {
      base = i;
      continue;
    }
    if (line.includes('{{') || line.includes('}}')) {
      throw new ConfigError(
        file,
        `template actions other than the base line ${BASE_LINE}: edit it by hand or use k3s's drop-in directory (config.toml.d/ or config-v3.toml.d/ beside it, on k3s versions that import it)`,
        { line: i + 1, column: Math.max(line.indexOf('{{'), line.indexOf('}}')) + 1 },
      );
    }
    const t = line.trim();
    if (base < 0 && t !== '' && !t.startsWith('#')) break;
  }
  if (base < 0) {
    throw new ConfigError(
      file,
      `does not start with ${BASE_LINE}: it is a frozen copy of a rendered config, which k3s never updates again (CNI, registries, upgrades); put ${BASE_LINE} on its first line and keep only your own entries after it, or remove the file`,
    );
  }
  const head = `${lines.slice(0, base + 1).join('\n')}${base + 1 < lines.length ? '\n' : ''}`;
  return { head, tail: text.slice(head.length), headLines: base + 1 };
}

/** The template text for an edited tail: a head without its newline gets one before a tail starts. */
export function joinTemplate(head: string, tail: string): string {
  if (tail === '' || head.endsWith('\n')) return head + tail;
  return `${head}\n${tail}`;
}

/**
 * k3s's nvidia runtime detection: these names, each for the first of these directories holding its binary.
 * `since`: k3s versions before these do not generate the runtime. It is assumed for every version all the
 * same, as the k3s version is not known here: skipping a runtime k3s does not make costs that runtime (the
 * restart check then says so, src/ops/restart-verify.ts), writing one it does make costs the node.
 */
export const K3S_NVIDIA_RUNTIMES: readonly { name: string; binary: string; since?: string }[] = [
  { name: 'nvidia', binary: 'nvidia-container-runtime' },
  { name: 'nvidia-experimental', binary: 'nvidia-container-runtime-experimental' },
  {
    name: 'nvidia-cdi',
    binary: 'nvidia-container-runtime.cdi',
    since: 'v1.28.15, v1.29.10, v1.30.6, v1.31.2 (k3s-io/k3s#11065; RKE2 the same)',
  },
];
/**
 * The GPU Operator's directory first, then the PATH k3s runs with under systemd (older k3s looked in
 * /usr/local/nvidia/toolkit and /usr/bin only, in that order: the same first match wherever both look).
 */
export const K3S_SEARCH_DIRS: readonly string[] = [
  '/usr/local/nvidia/toolkit',
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** Every path k3s's detection looks at (the profile reports which of them exist on the host). */
export function k3sCandidatePaths(): string[] {
  return K3S_NVIDIA_RUNTIMES.flatMap((r) => K3S_SEARCH_DIRS.map((d) => `${d}/${r.binary}`));
}

/**
 * The runtimes k3s will generate at its next start: name -> binary, from the binaries on the host plus ours
 * (our toolkit install puts them where they are named).
 */
export function k3sDetected(
  hostBinaries: ReadonlySet<string>,
  ours: readonly RuntimeSpec[],
): Map<string, string> {
  const present = new Set([...hostBinaries, ...ours.map((r) => r.binary)]);
  const found = new Map<string, string>();
  for (const r of K3S_NVIDIA_RUNTIMES) {
    const at = K3S_SEARCH_DIRS.map((d) => `${d}/${r.binary}`).find((p) => present.has(p));
    if (at) found.set(r.name, at);
  }
  return found;
}

/** Table paths (joined with NUL) that hold a key of their own: the tables a TOML file defines. */
function definedTables(tree: Tree, prefix: string[] = [], out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(tree)) {
    if (isTable(v)) definedTables(v, [...prefix, k], out);
    else out.add(prefix.join('\0'));
  }
  return out;
}

/** The tables k3s's base defines for this version, whatever it detected: the CRI plugin, containerd, runc, CNI. */
function baseSkeleton(version: 2 | 3, detected: ReadonlyMap<string, string>): Set<string> {
  const cri = ['plugins', CRI_PLUGIN[version]];
  const rt = [...cri, 'containerd', 'runtimes'];
  const paths = [
    cri,
    [...cri, 'containerd'],
    [...cri, 'cni'],
    [...rt, 'runc'],
    [...rt, 'runc', 'options'],
    ...[...detected.keys()].flatMap((n) => [
      [...rt, n],
      [...rt, n, 'options'],
    ]),
  ];
  return new Set(paths.map((p) => p.join('\0')));
}

export interface TemplateRequest {
  readonly file: string;
  /** The version k3s renders (2 for containerd 1.x, 3 for 2.x). */
  readonly version: 2 | 3;
  readonly runtimes: readonly RuntimeSpec[];
  readonly enableCdi: boolean;
  /** The template's tail as it is now. */
  readonly tail: Tree;
  /** The config k3s rendered last time (null: not there). */
  readonly rendered: { readonly path: string; readonly tree: Tree } | null;
  readonly hostBinaries: ReadonlySet<string>;
}

export interface TemplateDecision {
  /** Our runtimes k3s does not generate: these go into the tail. */
  readonly runtimes: RuntimeSpec[];
  /** Skipped runtimes that only newer k3s versions generate: name -> since which versions. */
  readonly versionDependent: Record<string, string>;
  /** false when the rendered base already enables CDI. */
  readonly enableCdi: boolean;
  readonly notes: string[];
}

/**
 * Which of our entries go into the tail, and which would redefine a base table (refused, one line each, with
 * what to do instead). Entries the tail already has were ours or the user's before: they stay as they are.
 */
export function planTemplate(req: TemplateRequest): TemplateDecision {
  const detected = k3sDetected(req.hostBinaries, req.runtimes);
  const tail = definedTables(req.tail);
  // the rendered file is base + the tail of its day: what it defines beyond today's tail is the base's
  const base = baseSkeleton(req.version, detected);
  if (req.rendered) for (const t of definedTables(req.rendered.tree)) if (!tail.has(t)) base.add(t);
  const cri = ['plugins', CRI_PLUGIN[req.version]];
  const criTable = req.rendered ? lookup(req.rendered.tree, cri) : undefined;
  const notes: string[] = [];
  const runtimes: RuntimeSpec[] = [];
  const versionDependent: Record<string, string> = {};
  for (const rt of req.runtimes) {
    const path = [...cri, 'containerd', 'runtimes', rt.name].join('\0');
    if (tail.has(path) || !base.has(path)) {
      // the default is k3s's to set (refused or already so below): the tail never gets default_runtime_name
      runtimes.push({ ...rt, isDefault: false });
      continue;
    }
    const k3s =
      detected.get(rt.name) ?? binaryIn(req.rendered?.tree, [...cri, 'containerd', 'runtimes', rt.name]);
    if (k3s !== rt.binary) {
      throw new UsageError(
        `${req.file}: k3s defines the runtime ${rt.name} itself with ${k3s ?? 'another binary'}, and ours is ${rt.binary}: a second ${rt.name} table would stop containerd; use --runtime-name (another name) or --runtime-dir ${k3s ? dirOf(k3s) : '(k3s’s)'}, or remove the other install`,
      );
    }
    notes.push(`${req.file}: k3s generates the runtime ${rt.name} with ${rt.binary} itself: not written`);
    const since = K3S_NVIDIA_RUNTIMES.find((r) => r.name === rt.name)?.since;
    if (since && detected.has(rt.name)) versionDependent[rt.name] = since;
  }
  const wanted = req.runtimes.find((r) => r.isDefault);
  if (wanted) {
    const current = isTable(criTable?.containerd) ? criTable.containerd.default_runtime_name : undefined;
    if (current !== wanted.name) {
      throw new UsageError(
        `${req.file}: --set-as-default needs default_runtime_name in [${cri.map(q).join('.')}.containerd], which k3s's base defines: set default-runtime: ${wanted.name} in /etc/rancher/k3s/config.yaml (or /etc/rancher/rke2/config.yaml; k3s --default-runtime=${wanted.name}) instead, or give --set-as-default=false`,
      );
    }
    notes.push(`${req.file}: k3s already makes ${wanted.name} the default runtime`);
  }
  let enableCdi = req.enableCdi;
  if (enableCdi && criTable?.enable_cdi === true) {
    enableCdi = false;
    notes.push(`${req.file}: the config k3s renders already has enable_cdi = true`);
  } else if (enableCdi) {
    throw new UsageError(
      `${req.file}: CDI needs enable_cdi in [${cri.map(q).join('.')}], which k3s's base defines: give --enable-cdi-in-runtime=false: the nvidia-cdi runtime injects CDI devices without it, and containerd 2.x (k3s's config-v3) enables CDI by default`,
    );
  }
  return { runtimes, versionDependent, enableCdi, notes };
}

function lookup(tree: Tree, path: readonly string[]): Tree | undefined {
  let t: unknown = tree;
  for (const k of path) t = isTable(t) ? t[k] : undefined;
  return isTable(t) ? t : undefined;
}

function binaryIn(tree: Tree | undefined, path: readonly string[]): string | undefined {
  const o = tree ? lookup(tree, [...path, 'options']) : undefined;
  return typeof o?.BinaryName === 'string' ? o.BinaryName : undefined;
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const q = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
