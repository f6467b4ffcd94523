/** Bad-input cases: the file system refuses (directories, links, read-only), and invalid names, paths and values. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type BadInput, both, CTD, ctd, ctdFile, hasNvidia, put } from './bad-input-kit';
import { TK } from './support';

export const HOST_CASES: readonly BadInput[] = [
  // ---- containerd: the file system refuses
  {
    name: 'config path is a directory',
    args: ctd,
    prepare: (d) => mkdirSync(join(d, 'config.toml')),
    status: 1,
    message: /config\.toml: is a directory/,
  },
  {
    name: 'symlink loop',
    args: ctd,
    prepare: (d) => {
      symlinkSync('b.toml', join(d, 'config.toml'));
      symlinkSync('config.toml', join(d, 'b.toml'));
    },
    status: 1,
    message: /too many levels of symbolic links/,
  },
  {
    name: 'a parent of the config is a file',
    args: (d) => [
      'containerd',
      'setup',
      '--config',
      join(d, 'file', 'config.toml'),
      '--restart-mode',
      'none',
      TK,
    ],
    prepare: put('file', 'x'),
    status: 1,
    message: /not a directory/,
  },
  {
    name: 'read-only (immutable) config file',
    args: ctd,
    prepare: ctdFile(CTD),
    immutable: ['config.toml'],
    status: 1,
    message: /config\.toml.*(permission denied|not permitted)/,
  },
  {
    name: 'read-only (immutable) config directory',
    args: ctd,
    prepare: ctdFile(CTD),
    immutable: ['.'],
    status: 1,
    message: /(permission denied|not permitted)/,
  },
  {
    name: 'drop-in path is a directory',
    args: (d) => ctd(d, '--drop-in-config', join(d, 'conf.d')),
    prepare: both(ctdFile(CTD), (d) => mkdirSync(join(d, 'conf.d'))),
    status: 1,
    message: /conf\.d: is a directory/,
  },
  {
    name: 'corrupt restore ledger',
    args: ctd,
    prepare: both(ctdFile(CTD), put('.ctk-installer/config.toml.ledger.json', '{"version": 1, "fi')),
    status: 1,
    message: /corrupt restore ledger/,
  },
  {
    name: 'restore ledger of an unknown format',
    args: ctd,
    prepare: both(ctdFile(CTD), put('.ctk-installer/config.toml.ledger.json', '{"version": 9}')),
    status: 1,
    message: /unknown restore ledger format/,
  },
  {
    name: 'signal restart without a socket',
    args: (d) => [
      'containerd',
      'setup',
      '--config',
      join(d, 'config.toml'),
      '--socket',
      join(d, 'missing.sock'),
      TK,
    ],
    prepare: ctdFile(CTD),
    status: 1,
    message: /missing\.sock/,
  },
  {
    name: 'read-only config with a drop-in (the drop-in written first is taken back)',
    args: (d) => ctd(d, '--drop-in-config', join(d, 'conf.d', '99-nvidia.toml')),
    prepare: ctdFile(CTD),
    immutable: ['config.toml'],
    status: 1,
    message: /config\.toml: cannot write: permission denied/,
  },
  {
    name: 'config is a FIFO',
    args: ctd,
    prepare: (d) => assert.equal(spawnSync('mkfifo', [join(d, 'config.toml')]).status, 0),
    status: 1,
    message: /config\.toml: not a regular file/,
  },
  {
    name: 'dangling symlink (works: the link stays, its target is written)',
    args: ctd,
    prepare: (d) => symlinkSync('real.toml', join(d, 'config.toml')),
    status: 0,
    check: (d) => {
      assert.equal(readlinkSync(join(d, 'config.toml')), 'real.toml');
      hasNvidia('real.toml')(d);
    },
  },
  // ---- containerd: invalid names, paths and values
  {
    name: 'runtime name with a space',
    args: (d) => ctd(d, '--runtime-name', 'my gpu'),
    prepare: ctdFile(CTD),
    status: 2,
    message: /invalid runtime name "my gpu"/,
  },
  {
    name: 'runtime name with a slash',
    args: (d) => ctd(d, '--runtime-name', 'a/b'),
    prepare: ctdFile(CTD),
    status: 2,
    message: /invalid runtime name "a\/b"/,
  },
  {
    name: 'runtime name with a quote',
    args: (d) => ctd(d, '--runtime-name', 'a"b'),
    prepare: ctdFile(CTD),
    status: 2,
    message: /invalid runtime name/,
  },
  {
    name: 'relative RUNTIME_DIR',
    args: (d) => [
      'containerd',
      'setup',
      '--config',
      join(d, 'config.toml'),
      '--restart-mode',
      'none',
      'toolkit',
    ],
    prepare: ctdFile(CTD),
    status: 2,
    message: /must be an absolute path/,
  },
  {
    name: 'no RUNTIME_DIR',
    args: (d) => ['containerd', 'setup', '--config', join(d, 'config.toml'), '--restart-mode', 'none'],
    prepare: ctdFile(CTD),
    status: 2,
    message: /incorrect number of arguments/,
  },
  {
    name: 'two RUNTIME_DIRs',
    args: (d) => [...ctd(d), '/opt/other'],
    prepare: ctdFile(CTD),
    status: 2,
    message: /incorrect number of arguments/,
  },
  {
    name: 'unknown --restart-mode',
    args: (d) => ['containerd', 'setup', '--config', join(d, 'config.toml'), '--restart-mode', 'reboot', TK],
    prepare: ctdFile(CTD),
    status: 2,
    message: /invalid value "reboot" for --restart-mode/,
  },
  {
    name: 'unknown flag',
    args: (d) => ctd(d, '--no-such-flag'),
    prepare: ctdFile(CTD),
    status: 2,
    message: /unknown option/,
  },
  {
    name: 'bad env CONTAINERD_RESTART_MODE',
    args: (d) => ['containerd', 'setup', '--config', join(d, 'config.toml'), TK],
    env: () => ({ CONTAINERD_RESTART_MODE: 'later' }),
    prepare: ctdFile(CTD),
    status: 2,
    message: /environment variable CONTAINERD_RESTART_MODE/,
  },
  {
    name: 'bad env CONTAINERD_SET_AS_DEFAULT (not a bool)',
    args: ctd,
    env: () => ({ CONTAINERD_SET_AS_DEFAULT: 'maybe' }),
    prepare: ctdFile(CTD),
    status: 2,
    message: /invalid boolean value "maybe"/,
  },
  {
    name: 'bad env RUNTIME_RESTART_ATTEMPTS (negative)',
    args: ctd,
    env: () => ({ RUNTIME_RESTART_ATTEMPTS: '-1' }),
    prepare: ctdFile(CTD),
    status: 2,
    message: /expected a non-negative integer/,
  },
  {
    name: 'bad env CONTAINERD_RUNTIME_CLASS (invalid name)',
    args: ctd,
    env: () => ({ CONTAINERD_RUNTIME_CLASS: 'x y' }),
    prepare: ctdFile(CTD),
    status: 2,
    message: /invalid runtime name "x y"/,
  },
];
