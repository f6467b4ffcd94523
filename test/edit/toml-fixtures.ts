/**
 * TOML fixtures for the editor tests, written for this project in the shapes real engines use (containerd
 * `config default` v2 with indented tables and comments, v3 with single-quoted plugin ids, v1 legacy names,
 * cri-o's commented defaults). Shared by toml.test.ts and toml-property.test.ts.
 */
import type { TomlTable, TomlValue } from '../../src/edit/toml';

export const V2 = `# containerd config, edited by hand
version = 2
root = "/var/lib/containerd"
oom_score = -999 # keep the daemon alive

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16777216

[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.9"
    max_concurrent_downloads = 3

    # CNI settings
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc" # change with care
      snapshotter = "overlayfs"
      disable_snapshot_annotations = true

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]

        # the stock runtime
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"
          pod_annotations = [
            "io.kubernetes.cri.*", # all of them
          ]

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            BinaryName = ''
            SystemdCgroup = true

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""

  [plugins."io.containerd.gc.v1.scheduler"]
    pause_threshold = 0.02
    deletion_threshold = 0x0

[timeouts]
  "io.containerd.timeout.shim.cleanup" = "5s"
# end of file
`;

export const V3 = `version = 3
root = '/var/lib/containerd'

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'

[plugins.'io.containerd.cri.v1.runtime'.containerd]
  default_runtime_name = 'runc'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
`;

export const V1 = `root = "/var/lib/containerd"
state = "/run/containerd"

[plugins]
  [plugins.cri]
    stream_server_address = "127.0.0.1"
    [plugins.cri.containerd]
      snapshotter = "overlayfs"
      [plugins.cri.containerd.default_runtime]
        runtime_type = "io.containerd.runtime.v1.linux"
      [plugins.cri.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v1"
`;

export const CRIO = `# The CRI-O configuration file.
[crio]
root = "/var/lib/containers/storage"

[crio.runtime]
# default_runtime is the runtime used when none is named
default_runtime = "runc"
# conmon = ""

[crio.runtime.runtimes.runc]
runtime_path = ""
runtime_type = "oci"
runtime_root = "/run/runc"
# allowed_annotations = []


# Kata Containers, commented out
#[crio.runtime.runtimes.kata]

# The crio.image table holds image settings.
[crio.image]
pause_image = "registry.k8s.io/pause:3.9"
`;

/** Sub-tables before their parent's header, dotted keys, an inline table, an array of tables. */
export const ODD = `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.test-handler]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.test-handler.options]
    SystemdCgroup = true

[plugins."io.containerd.grpc.v1.cri"]
  # dotted keys define the registry table here
  registry.config_path = "/etc/containerd/certs.d"
  registry.headers.X-Meta = ["a"]
  cni = { bin_dir = "/opt/cni/bin", conf_dir = "/etc/cni/net.d" }

[[proxy_plugins.list]]
  name = "a"

[[proxy_plugins.list]]
  name = "b"
`;

/** Arrays in every layout: multi-line with and without trailing commas, comments, single-line, empty. */
export const ARRAYS = `# arrays in every layout
imports = [
  "/etc/containerd/site.d/*.toml", # site overrides
]
plain = [
  "a",
  "b"
]
inline = ["x", "y"] # two
empty = []
nested = [[1, 2], [3]]

[t]
  list = [ 1, 2, ] # trailing comma
  mixed = [
    "p", "q", # two on a line
    # a comment of its own
    "r", # last
  ]
  closing = [
    "c"]
`;

export const CRLF = V3.replace(/\n/g, '\r\n');
export const NO_FINAL_NEWLINE = V3.slice(0, -1);
export const ROOT_ONLY = `# no tables at all
version = 2
root = "/var/lib/containerd"
`;
export const COMMENTS_ONLY = '# nothing here yet\n#[grpc]\n#  address = ""\n';
export const BOM = `\uFEFF${V3}`;

export const FIXTURES: Readonly<Record<string, string>> = {
  V2,
  V3,
  V1,
  CRIO,
  ODD,
  ARRAYS,
  CRLF,
  NO_FINAL_NEWLINE,
  ROOT_ONLY,
  COMMENTS_ONLY,
  BOM,
  EMPTY: '',
};

/** The table at `path` in a value tree (test helper; throws when it is not a table). */
export function tableAt(root: TomlTable, ...path: string[]): TomlTable {
  let cur: TomlValue = root;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || cur instanceof Date) {
      throw new Error(`not a table at ${k}`);
    }
    cur = (cur as TomlTable)[k] as TomlValue;
  }
  if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || cur instanceof Date) {
    throw new Error(`not a table: ${path.join('.')}`);
  }
  return cur as TomlTable;
}

export const NVIDIA: TomlTable = {
  runtime_type: 'io.containerd.runc.v2',
  options: { BinaryName: '/usr/bin/nvidia-container-runtime' },
};
