import { useState } from 'react';
import { fieldOfError } from '../../lib/credentials.ts';
import { describeError } from '../../lib/errors.ts';

/**
 * A failed save's message, placed beside the field the server named (`details.field`), or shown for the
 * whole form when it names none of the form's fields.
 */
export function useFieldErrors(fields: readonly string[]) {
  const [problem, setProblem] = useState<{ field: string | null; message: string } | null>(null);
  return {
    errorFor: (field: string) => (problem && problem.field === field ? problem.message : null),
    formError: problem && (problem.field === null || !fields.includes(problem.field)) ? problem.message : null,
    clear: () => setProblem(null),
    show: (error: unknown) => {
      const info = describeError(error);
      setProblem({ field: fieldOfError(info.field), message: info.message });
    },
  };
}
