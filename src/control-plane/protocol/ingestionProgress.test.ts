import { expect, test } from 'vitest';
import { formatOffsets, offsetsReached, parseOffsets } from './ingestionProgress.ts';

test('committed offsets reach the target only when every partition has', () => {
  expect(offsetsReached({ 0: '200', 1: '37' }, { 0: '200', 1: '37' })).toBe(true);
  expect(offsetsReached({ 0: '201', 1: '37' }, { 0: '200', 1: '37' })).toBe(true);
  expect(offsetsReached({ 0: '200', 1: '36' }, { 0: '200', 1: '37' })).toBe(false);
  expect(offsetsReached({ 0: '-1' }, { 0: '5' })).toBe(false);
});

test('an empty partition is reached although nothing was committed for it', () => {
  expect(offsetsReached({ 0: '-1' }, { 0: '0' })).toBe(true);
  expect(offsetsReached({}, { 0: '0', 1: '0' })).toBe(true);
});

test('offsets beyond 2^53 compare exactly', () => {
  expect(offsetsReached({ 0: '9007199254740993' }, { 0: '9007199254740992' })).toBe(true);
  expect(offsetsReached({ 0: '9007199254740992' }, { 0: '9007199254740993' })).toBe(false);
});

test('offsets round-trip through their text form, and bad text says what is expected', () => {
  expect(parseOffsets(formatOffsets({ 0: '200', 3: '7' }))).toEqual({ 0: '200', 3: '7' });
  expect(() => parseOffsets('0=200')).toThrow(
    "bad offsets '0=200': expected partition:offset pairs joined by commas",
  );
});
