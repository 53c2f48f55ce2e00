import { type ReactNode, useEffect } from 'react';

/** The page's one h1 (focusable, so navigation can move focus to it) and the document title. */
export function PageTitle({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · KPI sync`;
  }, [title]);
  return (
    <div className="page-head">
      <h1 tabIndex={-1}>{title}</h1>
      {children}
    </div>
  );
}
