import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { StackError } from './errors.ts';
import { fixWarehouseMode, readWarehouseMode, requestedWarehouseMode } from './warehouseMode.ts';

test('the flag wins over LAMBDALAKE_S3; neither set asks for nothing', () => {
  expect(requestedWarehouseMode({ LAMBDALAKE_S3: '0' }, true)).toEqual({ s3: true });
  expect(requestedWarehouseMode({ LAMBDALAKE_S3: '1' }, undefined)).toEqual({ s3: true });
  expect(requestedWarehouseMode({ LAMBDALAKE_S3: 'true' }, undefined)).toEqual({ s3: true });
  expect(requestedWarehouseMode({ LAMBDALAKE_S3: '0' }, undefined)).toEqual({ s3: false });
  expect(requestedWarehouseMode({}, undefined)).toBeUndefined();
});

test('a run folder keeps the mode of its first up and refuses to switch', async () => {
  const run = await mkdtemp(join(tmpdir(), 'lambdalake-mode-'));
  onTestFinished(() => rm(run, { recursive: true, force: true }));
  expect(readWarehouseMode(run)).toBeUndefined();
  await fixWarehouseMode(run, { s3: true });
  expect(readWarehouseMode(run)).toEqual({ s3: true });
  await fixWarehouseMode(run, undefined);
  await fixWarehouseMode(run, { s3: true });
  const refused = await fixWarehouseMode(run, { s3: false }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(StackError);
  expect(refused).toMatchObject({ code: 'warehouse_mode_mismatch', retriable: false });
  expect(readWarehouseMode(run)).toEqual({ s3: true });
});
