/**
 * Where outbound webhooks may go. An admin names a URL and the service posts to it, so without a check that
 * URL could be anything the service's host can reach: 127.0.0.1, a database on the private network, the cloud
 * metadata endpoint at 169.254.169.254. A destination must resolve to public internet addresses only — checked
 * when a subscription is saved, and again on every delivery against the addresses the connection actually uses
 * (the connection is made to the address that was checked, so a DNS answer that changes in between, "DNS
 * rebinding", cannot slip a private address in). `WEBHOOK_ALLOW_PRIVATE=true` lifts the rule for deployments
 * that deliberately deliver inside their own network.
 *
 * Ranges: RFC 6890 special-purpose registries (IANA IPv4 and IPv6 Special-Purpose Address Registry).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { InvalidInputError } from '../errors';

export interface Address {
  address: string;
  family: 4 | 6;
}

export interface DestinationPolicy {
  /** Deliver to private, loopback and link-local addresses too (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Name resolution; default the system resolver. Tests substitute one. */
  lookup?: (host: string) => Promise<Address[]>;
}

const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const)
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo and others)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

/** IPv4-mapped IPv6 (::ffff:a.b.c.d, or in hex): refused outright, whatever IPv4 address is behind it. */
const MAPPED = /^(0{0,4}:){0,5}:?ffff:/i;

export function isPublicAddress(a: Address): boolean {
  if (a.family === 6 && MAPPED.test(a.address)) return false;
  return !NOT_PUBLIC.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4');
}

const REFUSED =
  'the host must resolve to public internet addresses only (set WEBHOOK_ALLOW_PRIVATE=true to deliver inside your own network)';

const systemLookup = async (host: string): Promise<Address[]> =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** The URL as the connection will see it (the WHATWG parser turns 2130706433 and 127.1 into 127.0.0.1). */
function parse(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError('url: expected an http(s) URL.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidInputError('url: expected an http(s) URL.');
  if (u.username || u.password) throw new InvalidInputError('url: credentials in the URL are not allowed.');
  return u;
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/** The addresses a host name (or literal address) stands for; all must be public unless private ones are allowed. */
async function resolve(host: string, policy: DestinationPolicy): Promise<Address[]> {
  const literal = isIP(host);
  let addresses: Address[];
  if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await (policy.lookup ?? systemLookup)(host);
    } catch {
      addresses = [];
    }
  }
  // Whether a name does not resolve or resolves privately, the answer is the same: no oracle for the network.
  if (addresses.length === 0 || (!policy.allowPrivate && !addresses.every(isPublicAddress)))
    throw new InvalidInputError(`url: ${REFUSED}.`);
  return addresses;
}

/** Refuses a destination that is not on the public internet (when saving a subscription). */
export async function checkDestination(url: string, policy: DestinationPolicy): Promise<void> {
  await resolve(bare(parse(url).hostname), policy);
}

export interface PostResult {
  /** The status when the endpoint answered. */
  status: number | null;
  retryAfterMs?: number;
}

/**
 * POST a body to a destination, connecting only to an address checked against the policy at connect time.
 * Redirects are not followed. Throws when the destination is refused, cannot be reached or does not answer in
 * time; the caller records only that the delivery did not succeed.
 */
export async function postToDestination(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { policy: DestinationPolicy; timeoutMs: number },
): Promise<PostResult> {
  const u = parse(url);
  const host = bare(u.hostname);
  // A literal address is connected to without any lookup: check it here. A name is checked by the lookup.
  if (isIP(host)) await resolve(host, opts.policy);
  // The connection's own lookup: the addresses it will use are the ones checked.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    resolve(host, opts.policy).then(
      (addresses) => {
        const all = (options as { all?: boolean }).all;
        if (all) (callback as (e: null, a: Address[]) => void)(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: Error) => callback(err, '', 4),
    );
  };
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((done, fail) => {
    const req = send(
      u,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        timeout: opts.timeoutMs,
        ...(isIP(host) ? {} : { servername: host }),
      },
      (res: IncomingMessage) => {
        const ra = Number(res.headers['retry-after']);
        res.resume(); // the body is not read: nothing of it is kept
        res.on('end', () =>
          done({
            status: res.statusCode ?? null,
            ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}),
          }),
        );
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', fail);
    req.end(body);
  });
}
