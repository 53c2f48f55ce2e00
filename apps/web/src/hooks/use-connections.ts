import type { ConnectionUpsert, SheetUpsert } from '../lib/api-types.ts';
import type { Service } from '../lib/services.ts';
import { trpc } from '../lib/trpc.ts';

/**
 * The viewer's connections and Sheet destination. Every change writes the server's answer into the
 * cache and refreshes the KPI panel and schedules, whose live/sample labels depend on it.
 */
export function useConnections() {
  const utils = trpc.useUtils();
  const list = trpc.connections.list.useQuery();
  const sheet = trpc.sheets.get.useQuery();
  const replace = (saved: { service: Service }) =>
    utils.connections.list.setData(undefined, (current) =>
      current?.map((entry) => (entry.service === saved.service ? { ...entry, ...saved } : entry)),
    );

  const upsert = trpc.connections.upsert.useMutation({ onSuccess: replace });
  const remove = trpc.connections.remove.useMutation({ onSuccess: replace });
  const test = trpc.connections.test.useMutation({ onSuccess: (answer) => replace(answer.connection) });
  const upsertSheet = trpc.sheets.upsert.useMutation({ onSuccess: (saved) => utils.sheets.get.setData(undefined, saved) });
  const removeSheet = trpc.sheets.remove.useMutation({ onSuccess: () => utils.sheets.get.setData(undefined, null) });
  const testSheet = trpc.sheets.test.useMutation({ onSuccess: (answer) => utils.sheets.get.setData(undefined, answer.sheet) });

  return {
    connections: list.data,
    sheet: sheet.data,
    isLoading: list.isLoading || sheet.isLoading,
    error: list.error ?? sheet.error,
    refetch: () => Promise.all([list.refetch(), sheet.refetch()]),
    saveConnection: (input: ConnectionUpsert) => upsert.mutateAsync(input),
    removeConnection: (service: Service) => remove.mutateAsync({ service }),
    testConnection: (service: Service) => test.mutateAsync({ service }),
    saveSheet: (input: SheetUpsert) => upsertSheet.mutateAsync(input),
    removeSheet: () => removeSheet.mutateAsync(),
    testSheet: () => testSheet.mutateAsync(),
  };
}
