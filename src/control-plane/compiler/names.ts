/** Every name lambdalake derives from a definition, in one place (infra/pulumi uses the same). */
export const DEFAULT_NAMESPACE = 'lambdalake';

export const names = {
  masterTable: (source: string) => `${source}_master`,
  batchTable: (metric: string, version: string) => `${metric}__v${version}`,
  speedTopic: (metric: string, version: string) => `lambdalake.speed.${metric}.v${version}`,
  ingestionJob: (source: string) => `lambdalake-ingest-${source}`,
  ingestionGroup: (source: string) => `lambdalake-ingest-${source}`,
  speedJob: (metric: string, version: string) => `lambdalake-speed-${metric}-v${version}`,
  speedGroup: (metric: string, version: string) => `lambdalake-speed-${metric}-v${version}`,
  batchJob: (metric: string, version: string) => `lambdalake-batch-${metric}-v${version}`,
};
