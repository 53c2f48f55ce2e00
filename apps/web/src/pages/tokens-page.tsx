import { PageTitle } from '../components/layout/page-title.tsx';
import { ApiTokens } from '../components/tokens/api-tokens.tsx';

export function TokensPage() {
  return (
    <>
      <PageTitle title="API tokens" />
      <p className="muted">
        Scripts and other services send a token as <code>Authorization: Bearer &lt;token&gt;</code> to <code>/api</code> and{' '}
        <code>/trpc</code>.
      </p>
      <section id="tokens" aria-label="API tokens">
        <ApiTokens />
      </section>
    </>
  );
}
