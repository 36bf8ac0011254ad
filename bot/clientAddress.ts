// The address of the client behind a request, for rate limits and logs. X-Forwarded-For is believed only
// when the direct peer is one of TRUSTED_PROXIES (IP addresses, CIDR ranges such as 10.0.0.0/8, or
// `loopback`); then the header is read from the right, skipping trusted hops, and the first address that
// is not a trusted proxy is the client. Anyone else can write anything into that header, so without a
// trusted peer the socket address is the client.
import { BlockList, isIP } from 'node:net';

interface RequestLike {
  socket?: { remoteAddress?: string | undefined } | null;
  headers: Record<string, string | string[] | undefined>;
}

/** "::ffff:1.2.3.4" → "1.2.3.4"; "[::1]" and "[::1]:443" → "::1"; "1.2.3.4:80" → "1.2.3.4"; a zone id is dropped. */
export function normalizeAddress(address: string): string {
  let a = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(a);
  if (v4WithPort) a = v4WithPort[1]!;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  return a.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}

/** Whether a TRUSTED_PROXIES entry is understood: an IP address, a CIDR range or `loopback`. */
export function isAddressOrRange(entry: string): boolean {
  if (entry === 'loopback') return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(normalizeAddress(address ?? ''));
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      if (entry === 'loopback') {
        this.list.addSubnet('127.0.0.0', 8, 'ipv4');
        this.list.addAddress('::1', 'ipv6');
        continue;
      }
      if (!isAddressOrRange(entry)) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
      const [address, prefix] = entry.split('/');
      const ip = normalizeAddress(address!);
      const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(ip, type);
      else this.list.addSubnet(ip, Number(prefix), type);
    }
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const ip = normalizeAddress(address);
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

// Config arrays are parsed once; their TrustedProxies are built once per array.
const built = new WeakMap<readonly string[], TrustedProxies>();

function trustedOf(trusted: TrustedProxies | readonly string[]): TrustedProxies {
  if (trusted instanceof TrustedProxies) return trusted;
  let proxies = built.get(trusted);
  if (!proxies) built.set(trusted, (proxies = new TrustedProxies(trusted)));
  return proxies;
}

function peerOf(req: RequestLike): string {
  return normalizeAddress(req.socket?.remoteAddress ?? '') || 'unknown';
}

/** Whether the request came straight from one of the trusted reverse proxies. */
export function fromTrustedProxy(req: RequestLike, trusted: TrustedProxies | readonly string[]): boolean {
  return trustedOf(trusted).has(peerOf(req));
}

/** The client's address: the socket peer, or behind trusted proxies the nearest untrusted X-Forwarded-For hop. */
export function clientAddress(req: RequestLike, trusted: TrustedProxies | readonly string[]): string {
  const proxies = trustedOf(trusted);
  const peer = peerOf(req);
  if (!proxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter(Boolean);
  let nearest = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]!);
    // Garbage (a port, a name, "unknown") ends what can be believed: the last trusted hop stands for the client.
    if (!isIP(hop)) return nearest;
    if (!proxies.has(hop)) return hop;
    nearest = hop;
  }
  return nearest;
}

// The address an unauthenticated activity came from, for limits applied during its turn (new handoffs).
// Keyed by the activity object, which botbuilder keeps as the turn's context.activity.
const activityClients = new WeakMap<object, string>();

export function setActivityClient(activity: object, address: string): void {
  activityClients.set(activity, address);
}

export function activityClient(activity: object): string | undefined {
  return activityClients.get(activity);
}
