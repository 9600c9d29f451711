import type { components } from './generated/catalog.d.ts';

type S = components['schemas'];
export type Schema = S['Schema'];
export type PartitionSpec = S['PartitionSpec'];
export type SortOrder = S['SortOrder'];
export type TableMetadata = S['TableMetadata'];
export type Snapshot = S['Snapshot'];
export type SnapshotReference = S['SnapshotReference'];
export type TableRequirement = S['TableRequirement'];
export type TableUpdate = S['TableUpdate'];
export type ViewMetadata = S['ViewMetadata'];
export type ViewVersion = S['ViewVersion'];
export type ViewUpdate = S['ViewUpdate'];
export type ViewRequirement = S['ViewRequirement'];
export type CatalogConfig = S['CatalogConfig'];
export type LoadTableResult = S['LoadTableResult'];
export type LoadViewResult = S['LoadViewResult'];

/** A namespace as its levels, e.g. ['lambdalake'] or ['analytics', 'daily']. */
export type Namespace = string[];

export interface TableIdentifier {
  namespace: Namespace;
  name: string;
}

/** A table commit as a value: what must still hold, and what to change (built first, sent once). */
export interface TableCommit {
  requirements: TableRequirement[];
  updates: TableUpdate[];
}
