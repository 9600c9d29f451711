export {
  SqlGatewayClient,
  type SqlGatewayOptions,
  type Session,
  type StatementOptions,
  type StatementResult,
} from './sqlGateway.ts';
export {
  JobManagerClient,
  resumeFromSavepointStatement,
  type JobOverview,
  type CheckpointStats,
  type JobFailure,
  type UploadedJar,
} from './jobManager.ts';
export { splitScript, type ScriptStatement } from './scriptSplitter.ts';
export {
  convertValue,
  convertRows,
  type Column,
  type LogicalType,
  type Row,
  type RowKind,
  type SqlValue,
} from './rows.ts';
export { rootCauseOf } from './rootCause.ts';
export {
  FlinkError,
  FlinkJarRunError,
  FlinkRestError,
  FlinkStatementError,
  FlinkTimeoutError,
  FlinkUnreachableError,
} from './errors.ts';
