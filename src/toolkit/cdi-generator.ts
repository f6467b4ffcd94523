/**
 * Connects `toolkit install` to the CDI spec generator of issue 4: the management spec, discovered where this
 * installer sees the driver (container-side roots) and naming the host-side roots, rendered as YAML.
 * The update-ldcache hook keeps its own ldconfig default, as in the original's installer.
 */
import { generateSpec } from '../cdi/generate';
import { renderSpec } from '../cdi/render';
import type { HostFs } from '../host/host-fs-api';
import type { Logger } from '../log';
import type { CdiRequest } from './plan';

/**
 * Produces the management CDI spec (YAML text) for the request. Injectable so tests (and other callers) can
 * replace discovery.
 */
export type CdiGenerator = (req: CdiRequest, fs: HostFs) => string | Promise<string>;

export function managementSpecGenerator(
  opts: { readonly procRoot?: string; readonly logger?: Logger } = {},
): CdiGenerator {
  return (req, fs) => {
    const spec = generateSpec(
      {
        mode: 'management',
        vendor: req.vendor,
        class: req.class,
        driverRoot: req.driverRootCtrPath || '/',
        devRoot: req.devRootCtrPath || req.driverRootCtrPath || '/',
        procRoot: opts.procRoot,
        hostDriverRoot: req.driverRoot,
        hostDevRoot: req.devRoot,
        nvidiaCdiHookPath: req.nvidiaCdiHookPath,
        logger: opts.logger,
      },
      fs,
    );
    return renderSpec(spec, 'yaml');
  };
}
