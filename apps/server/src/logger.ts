import pino, { type DestinationStream, type Logger } from 'pino';

/** `destination` lets tests capture the real logger's output (with its redaction) instead of stdout. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'kpi-sync' },
    // Credentials never reach a log line, whichever object carries them.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-shopify-access-token"]',
        'password',
        '*.password',
        'token',
        '*.token',
        // Connector credentials, wherever an object carrying one is logged.
        'secret',
        '*.secret',
        'credential',
        '*.credential',
        'accessToken',
        '*.accessToken',
        'refreshToken',
        '*.refreshToken',
        'access_token',
        '*.access_token',
        'refresh_token',
        '*.refresh_token',
        'privateKey',
        '*.privateKey',
        'client_secret',
        '*.client_secret',
      ],
      censor: '[redacted]',
    },
    // Fastify's own request fields, but an OAuth route's query (the provider's code, the state, Shopify's
    // signed parameters) is cut: a code in a log line could be traded for a token by whoever reads it.
    serializers: {
      req: (req: RequestLike) => ({
        method: req.method,
        url: loggedUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

type RequestLike = { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } };

/** The URL as logged: on an OAuth path (`/api/oauth/callback`, `…/oauth/start`) without its query. */
export function loggedUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  return at !== -1 && /\/oauth(\/|$)/i.test(path) ? `${path}?[redacted]` : url;
}
