/** Generated containerd configs for benchmarks: a realistic head plus N runtime tables (~200 bytes each). */
export function containerdConfigWith(n: number): string {
  let out =
    '# generated for benchmarks\nversion = 2\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.9"\n\n';
  out += '    [plugins."io.containerd.grpc.v1.cri".containerd]\n      default_runtime_name = "runc"\n\n';
  const names = ['runc', ...Array.from({ length: Math.max(0, n - 1) }, (_, i) => `rt-${i}`)];
  for (const name of names) {
    out += `      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}]\n`;
    out +=
      '        runtime_type = "io.containerd.runc.v2" # shim\n        privileged_without_host_devices = false\n';
    out += `        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}.options]\n`;
    out += `          BinaryName = "/usr/bin/${name}"\n          SystemdCgroup = true\n\n`;
  }
  return out;
}
