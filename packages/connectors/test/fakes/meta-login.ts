import { randomBytes } from 'node:crypto';
import { type FakeAnswer, graphError } from './http-fake.ts';

const SHORT_LIVED_SECONDS = 5_400;
const LONG_LIVED_SECONDS = 5_183_944;

/**
 * Facebook Login for the Marketing API: the login dialog (`https://www.facebook.com/v{ver}/dialog/oauth`),
 * answered by `consent`, and `GET /v{ver}/oauth/access_token`, which trades a one-use code (bound to the
 * app and the dialog's redirect_uri) for a short-lived user token, then a short-lived token for a
 * long-lived one (`grant_type=fb_exchange_token`, about 60 days). Both tokens work on the Graph API, as
 * at Meta, so the test tells them apart by the sets they were issued into.
 */
export class FakeMetaLogin {
  readonly app = { id: '1234567890123', secret: 'fake-meta-app-secret' };
  readonly shortLivedTokens = new Set<string>();
  readonly longLivedTokens = new Set<string>();
  /** Code -> the redirect_uri the dialog was opened with. */
  private readonly codes = new Map<string, string>();
  private readonly usedCodes = new Set<string>();

  constructor(private readonly tokens: Set<string>) {}

  /** The user answers the dialog: the URL Meta sends the browser back to. */
  consent(dialogUrl: string, answer: 'allow' | 'deny' = 'allow'): string {
    const dialog = new URL(dialogUrl);
    const params = dialog.searchParams;
    if (dialog.origin !== 'https://www.facebook.com' || !/^\/v\d+\.\d+\/dialog\/oauth$/.test(dialog.pathname)) {
      throw new Error(`not Meta's login dialog: ${dialog.origin}${dialog.pathname}`);
    }
    // Meta shows its own error page for these; the browser never comes back.
    if (params.get('client_id') !== this.app.id) throw new Error('the dialog names an unknown app id');
    if (!(params.get('scope') ?? '').split(',').includes('ads_read')) throw new Error('the dialog does not ask for ads_read');
    const redirectUri = params.get('redirect_uri') ?? '';
    const back = new URL(redirectUri);
    if (answer === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_code', '200');
      back.searchParams.set('error_description', 'Permissions error');
      back.searchParams.set('error_reason', 'user_denied');
    } else {
      const code = `AQ${randomBytes(24).toString('hex')}`;
      this.codes.set(code, redirectUri);
      back.searchParams.set('code', code);
    }
    back.searchParams.set('state', params.get('state') ?? '');
    return back.toString();
  }

  accessToken(params: URLSearchParams): FakeAnswer {
    if (params.get('client_id') !== this.app.id || params.get('client_secret') !== this.app.secret) {
      return graphError(400, 1, 'Error validating client secret.');
    }
    if (params.get('grant_type') === 'fb_exchange_token') {
      if (!this.shortLivedTokens.has(params.get('fb_exchange_token') ?? '')) {
        return graphError(400, 190, 'Error validating access token: The session is invalid.', 460);
      }
      return this.issue(this.longLivedTokens, LONG_LIVED_SECONDS);
    }
    const code = params.get('code') ?? '';
    if (this.usedCodes.has(code)) return graphError(400, 100, 'This authorization code has been used.', 36009);
    const redirectUri = this.codes.get(code);
    if (redirectUri === undefined) return graphError(400, 100, 'Invalid verification code format.');
    this.codes.delete(code);
    this.usedCodes.add(code);
    if (params.get('redirect_uri') !== redirectUri) {
      return graphError(
        400,
        100,
        'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
        36008,
      );
    }
    return this.issue(this.shortLivedTokens, SHORT_LIVED_SECONDS);
  }

  private issue(kind: Set<string>, expiresIn: number): FakeAnswer {
    const token = `EAAG${randomBytes(20).toString('hex')}`;
    kind.add(token);
    this.tokens.add(token);
    return { json: { access_token: token, token_type: 'bearer', expires_in: expiresIn } };
  }
}
