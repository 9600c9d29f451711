import { expect, test } from 'vitest';
import { boundBeyond, formatListenAddress, parseProcNetTcp } from './listeningSockets.ts';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

test('IPv4 listeners are decoded from little-endian hex and only LISTEN rows are kept', () => {
  const text =
    HEADER +
    '   0: 0100007F:3E4D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0\n' +
    '   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0 100 0 0 10 0\n' +
    '   2: 0100007F:3E4D 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0\n' +
    '   3: 020200C0:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0 100 0 0 10 0\n';
  expect(parseProcNetTcp(text)).toEqual([
    { host: '127.0.0.1', port: 15949, inode: 111 },
    { host: '0.0.0.0', port: 2024, inode: 222 },
    { host: '192.0.2.2', port: 80, inode: 444 },
  ]);
});

test('IPv6 listeners: a JVM bound to 127.0.0.1 shows as IPv4-mapped; the wildcard and ::1 keep IPv6 form', () => {
  const row = (addr: string, inode: number) =>
    `   0: ${addr}:4706 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0\n`;
  const text =
    HEADER +
    row('0000000000000000FFFF00000100007F', 1) +
    row('00000000000000000000000000000000', 2) +
    row('00000000000000000000000001000000', 3) +
    row('000080FE000000000000000001000000', 4);
  expect(parseProcNetTcp(text).map((s) => formatListenAddress(s))).toEqual([
    '127.0.0.1:18182',
    '[::]:18182',
    '[::1]:18182',
    '[fe80::1]:18182',
  ]);
});

test('a socket on the wildcard or another address is beyond a loopback bind host, ::1 is not; nothing is beyond the wildcard', () => {
  const sockets = [
    { host: '127.0.0.1', port: 1, inode: 1 },
    { host: '::', port: 2, inode: 2 },
    { host: '0.0.0.0', port: 3, inode: 3 },
    { host: '192.0.2.2', port: 4, inode: 4 },
    { host: '::1', port: 5, inode: 5 },
  ];
  expect(boundBeyond(sockets, '127.0.0.1').map((s) => s.port)).toEqual([2, 3, 4]);
  expect(boundBeyond(sockets, '0.0.0.0')).toEqual([]);
});
