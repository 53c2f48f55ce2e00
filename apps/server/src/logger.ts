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
        // Connector credentials (issue 6), wherever an object carrying one is logged.
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
  };
  return destination ? pino(options, destination) : pino(options);
}
