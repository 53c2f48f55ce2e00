import { trpc } from '../../lib/trpc.ts';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';
import { CreateToken } from './create-token.tsx';
import { TokenRow } from './token-row.tsx';

/** Tokens for other services and scripts: `Authorization: Bearer <token>` on /trpc and /api. */
export function ApiTokens() {
  const tokens = trpc.tokens.list.useQuery();
  return (
    <div className="card">
      <CreateToken />
      {tokens.isLoading ? (
        <Loading label="Loading tokens…" />
      ) : tokens.error ? (
        <ErrorNotice title="Could not load API tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : !tokens.data || tokens.data.length === 0 ? (
        <Empty>No API tokens yet.</Empty>
      ) : (
        <ul className="token-list">
          {[...tokens.data].reverse().map((token) => (
            <TokenRow key={token.id} token={token} />
          ))}
        </ul>
      )}
    </div>
  );
}
