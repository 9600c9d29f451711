export {
  IcebergCatalogClient,
  type IcebergCatalogOptions,
  type CreateTableSpec,
} from './catalogClient.ts';
export type { CatalogAuth } from './auth.ts';
export {
  requirement,
  update,
  tagSnapshotCommit,
  rollbackBranchCommit,
  evolveSchemaCommit,
} from './commits.ts';
export {
  currentSnapshot,
  snapshotById,
  snapshotHistory,
  refsOf,
  snapshotInfo,
  type SnapshotInfo,
  type RefInfo,
} from './snapshots.ts';
export {
  readSnapshotFiles,
  decodeBound,
  type DataFileEntry,
  type SnapshotFiles,
  type LessThanPredicate,
} from './metadataReader.ts';
export {
  LocalFileIO,
  S3FileIO,
  SchemeFileIO,
  localDataFiles,
  localPath,
  s3ClientConfig,
  type FileIO,
} from './fileIO.ts';
export { idText, idValue, parseJson, stringifyJson } from './losslessJson.ts';
export * from './errors.ts';
export type * from './types.ts';
