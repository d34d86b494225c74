import type { IConstruct } from 'constructs';
import { Chart } from 'cdk8s';
import { PlatformValidationError } from '../core/errors';
import { PlatformGraph } from '../core/graph';
import { collectObjects, prepareObjects, RenderedObject } from '../core/manifest';

export type { RenderedObject } from '../core/manifest';
export { manifestOf, objectKey } from '../core/manifest';

/**
 * Renders every object below `scope` (an App, or one `DataPlatform` of it) in a stable order, after the
 * constructs that derive objects have generated them and every cdk8s validation has passed, the platform's
 * checks included (`registerPlatformCheck`). Throws `PlatformValidationError` with every problem.
 */
export function renderApp(scope: IConstruct, env: string, folderOf?: (chart: Chart) => string | undefined): RenderedObject[] {
  prepareObjects(scope);
  // Validate the whole tree once (chart.toJson() would re-validate the App for every chart). The platform
  // checks name the file and the fix themselves; other validations are prefixed with their construct path.
  const errors = scope.node.findAll().flatMap((c) => c.node.validate().map((e) => (c instanceof PlatformGraph ? e : `${c.node.path}: ${e}`)));
  if (errors.length > 0) throw new PlatformValidationError(`environment '${env}' failed its checks`, errors);
  return collectObjects(scope, env, folderOf);
}
