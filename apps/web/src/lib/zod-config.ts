import { z } from 'zod';

// The server's Content-Security-Policy has no 'unsafe-eval'. Zod compiles object parsers with
// `new Function` when it may, and probes for that on first use, which the browser reports as a CSP
// violation; the interpreted parsers are fast enough for form input. Imported before any schema exists.
z.config({ jitless: true });
