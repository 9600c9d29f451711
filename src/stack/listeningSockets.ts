import { readdir, readFile, readlink } from 'node:fs/promises';

/** One TCP socket in LISTEN state, as the kernel reports it in /proc/net/tcp or tcp6. */
export interface ListeningSocket {
  /** The bound address: `127.0.0.1`, `0.0.0.0` (every IPv4 address), `::` (every address), … */
  host: string;
  port: number;
  /** The socket's inode, to find the process that holds it through /proc/<pid>/fd. */
  inode: number;
}

const TCP_LISTEN = '0A';

/**
 * Parses /proc/net/tcp or /proc/net/tcp6. Addresses are hex, each 32-bit word in host (little-endian)
 * byte order; an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, what a JVM's dual-stack socket bound
 * to 127.0.0.1 shows) is reported as the IPv4 address it accepts.
 */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (!local || state !== TCP_LISTEN || !inode) continue;
    const [hexHost, hexPort] = local.split(':');
    if (!hexHost || !hexPort) continue;
    sockets.push({ host: hostOf(hexHost), port: parseInt(hexPort, 16), inode: Number(inode) });
  }
  return sockets;
}

function hostOf(hex: string): string {
  const bytes = wordsToBytes(hex);
  if (bytes.length === 4) return bytes.join('.');
  const mappedPrefix = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
  if (mappedPrefix.every((b, i) => bytes[i] === b)) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // The WHATWG URL parser compresses an IPv6 address to its canonical text form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Each 8-hex-digit word is a 32-bit value in little-endian order: reverse its bytes. */
function wordsToBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  return bytes;
}

/** `host:port` as clients write it (IPv6 in brackets). */
export function formatListenAddress(socket: Pick<ListeningSocket, 'host' | 'port'>): string {
  return socket.host.includes(':')
    ? `[${socket.host}]:${socket.port}`
    : `${socket.host}:${socket.port}`;
}

/** Every listening TCP socket on this machine (IPv4 and IPv6), from /proc (Linux). */
export async function readListeningSockets(): Promise<ListeningSocket[]> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => '')),
  );
  return tables.flatMap(parseProcNetTcp);
}

/** The sockets process `pid` listens on, by port; empty when it is gone or unreadable. */
export async function listeningSocketsOf(pid: number): Promise<ListeningSocket[]> {
  const inodes = await socketInodesOf(pid);
  if (inodes.size === 0) return [];
  const sockets = (await readListeningSockets()).filter((s) => inodes.has(s.inode));
  return sockets.sort((a, b) => a.port - b.port || a.host.localeCompare(b.host));
}

/** Where process `pid` listens, as sorted `host:port` strings. */
export async function listenAddressesOf(pid: number): Promise<string[]> {
  return (await listeningSocketsOf(pid)).map(formatListenAddress);
}

/**
 * The sockets bound beyond `bindHost` (e.g. on every interface while the stack binds loopback).
 * Any loopback address counts as loopback: MinIO told 127.0.0.1 also binds ::1.
 */
export function boundBeyond(sockets: ListeningSocket[], bindHost: string): ListeningSocket[] {
  if (bindHost === '0.0.0.0' || bindHost === '::') return [];
  return sockets.filter(
    (s) => s.host !== bindHost && !(isLoopback(s.host) && isLoopback(bindHost)),
  );
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}

async function socketInodesOf(pid: number): Promise<Set<number>> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  await Promise.all(
    fds.map(async (fd) => {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1]) inodes.add(Number(match[1]));
    }),
  );
  return inodes;
}
