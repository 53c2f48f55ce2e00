import { createContext, useContext } from 'react';
import type { Viewer } from '../lib/api-types.ts';

/** The signed-in user; provided above the router, which renders only once someone is signed in. */
export const ViewerContext = createContext<Viewer | null>(null);

export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside a signed-in page');
  return viewer;
}
