import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** A webhook URL this server will not call; the message says why, for the user. */
export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
}

// Addresses no user's webhook may reach: this host, the private networks around it, and the cloud
// metadata service (169.254.169.254 sits in link-local). IPv4-mapped IPv6 addresses are checked as IPv4.
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local, CGNAT, unique-local, metadata or otherwise not public. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return BLOCKED.check(mapped[1], 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

export type ResolvedTarget = { url: URL; address: string; family: 4 | 6 };

/**
 * Parses a webhook URL and resolves its host, refusing what the policy forbids: anything but https
 * (http too when private targets are allowed), credentials in the URL, and a host any of whose
 * addresses is not public. The caller connects to `address`, the one checked here, so a DNS answer that
 * changes between the check and the connection (rebinding) cannot move the request inward.
 */
export async function resolveWebhookTarget(raw: string, policy: { allowPrivate: boolean }): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookRefused('webhook_url must be an absolute URL');
  }
  const schemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw new WebhookRefused('webhook_url must start with https://');
  if (url.username || url.password) throw new WebhookRefused('webhook_url must not carry a user name or password');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new WebhookRefused(`webhook_url's host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new WebhookRefused(`webhook_url's host ${host} does not resolve`);
  if (!policy.allowPrivate) {
    const inner = addresses.find((a) => isBlockedAddress(a.address));
    if (inner)
      throw new WebhookRefused(
        `webhook_url's host ${host} resolves to ${inner.address}, a private, loopback or link-local address; only public hosts may be called`,
      );
  }
  // IPv4 first when there is one: a receiver on a dual-stack name often listens on IPv4 only.
  const chosen = (addresses.find((a) => a.family === 4) ?? addresses[0]) as { address: string; family: number };
  return { url, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}
