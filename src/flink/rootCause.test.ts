import { expect, test } from 'vitest';
import { rootCauseOf } from './rootCause.ts';

test('a parse failure leads with the SqlParserException line, not the gateway wrapper', () => {
  const body = JSON.stringify({
    errors: [
      'Internal server error.',
      '<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n\tat org.apache.flink.X.y(X.java:1)\nCaused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation 3f2.\nCaused by: org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered "one" at line 1, column 13.\nCaused by: org.apache.calcite.sql.parser.SqlParseException: Encountered "one" at line 1, column 13.\n\tat a.b(C.java:2)\n',
    ],
  });
  expect(rootCauseOf(body)).toBe('SqlParseException: Encountered "one" at line 1, column 13.');
});

test('a validation failure names the missing table', () => {
  const trace =
    "org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute\nCaused by: org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 21: Object 'missing' not found\n\tat x.y(Z.java:3)";
  expect(rootCauseOf(trace)).toBe(
    "ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 21: Object 'missing' not found",
  );
});

test('without a telling exception the innermost non-wrapper cause is chosen', () => {
  const trace =
    'org.apache.flink.table.gateway.api.utils.SqlGatewayException: outer\nCaused by: java.io.IOException: disk full';
  expect(rootCauseOf(trace)).toBe('IOException: disk full');
});
