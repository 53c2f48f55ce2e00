import { Link } from 'react-router';
import { PageTitle } from '../components/layout/page-title.tsx';

export function NotFoundPage({ what = 'This page' }: { what?: string }) {
  return (
    <>
      <PageTitle title="Not found" />
      <p>
        {what} does not exist, or is not yours. <Link to="/">Back to the overview</Link>
      </p>
    </>
  );
}
