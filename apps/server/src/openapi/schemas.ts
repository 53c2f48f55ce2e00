// JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every body the REST paths answer with.
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const timestamp = { type: 'string', format: 'date-time' };
const nullableTimestamp = nullable('string', { format: 'date-time' });
const service = { type: 'string', enum: ['meta', 'ga4', 'shopify'] };

export const schemas = {
  Service: service,
  Error: {
    type: 'object',
    required: ['success', 'error'],
    additionalProperties: false,
    properties: {
      success: { const: false },
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
      },
    },
  },
  Schedule: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'service', 'cron', 'enabled', 'timezone', 'last_run_at', 'next_run_at', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'integer' },
      service,
      cron: { type: 'string', maxLength: 100 },
      enabled: { type: 'boolean' },
      timezone: { type: 'string', maxLength: 50 },
      last_run_at: nullableTimestamp,
      next_run_at: nullableTimestamp,
      created_at: timestamp,
      updated_at: timestamp,
    },
  },
  ScheduleUpdate: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cron: { type: 'string', maxLength: 100, examples: ['0 3 * * *'] },
      enabled: { type: 'boolean' },
      timezone: { type: 'string', maxLength: 50, examples: ['Europe/London'] },
    },
  },
  RunEnqueued: {
    type: 'object',
    additionalProperties: false,
    required: ['success', 'message', 'data'],
    properties: {
      success: { const: true },
      message: { type: 'string', examples: ['meta sync job enqueued for user 123'] },
      data: {
        type: 'object',
        additionalProperties: false,
        required: ['jobId', 'service', 'userId'],
        properties: { jobId: { type: 'string', pattern: '^job-\\d+$' }, service, userId: { type: 'integer' } },
      },
    },
  },
  Run: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'jobId',
      'service',
      'trigger',
      'scheduled_for',
      'status',
      'attempt',
      'max_attempts',
      'run_after',
      'started_at',
      'finished_at',
      'duration_ms',
      'error',
      'error_class',
      'result',
      'created_at',
    ],
    properties: {
      id: { type: 'integer' },
      jobId: { type: 'string' },
      service,
      trigger: { type: 'string', enum: ['cron', 'manual', 'recovery'] },
      scheduled_for: timestamp,
      status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'skipped'] },
      attempt: { type: 'integer' },
      max_attempts: { type: 'integer' },
      run_after: timestamp,
      started_at: nullableTimestamp,
      finished_at: nullableTimestamp,
      duration_ms: nullable('integer'),
      error: nullable('string'),
      error_class: nullable('string'),
      result: {},
      created_at: timestamp,
    },
  },
  ServiceStats: {
    type: 'object',
    additionalProperties: false,
    required: [
      'service',
      'last_success_at',
      'last_failure_at',
      'success_rate',
      'average_duration_ms',
      'next_run_at',
      'runs_total',
    ],
    properties: {
      service,
      last_success_at: nullableTimestamp,
      last_failure_at: nullableTimestamp,
      success_rate: nullable('number', { minimum: 0, maximum: 1 }),
      average_duration_ms: nullable('integer'),
      next_run_at: nullableTimestamp,
      runs_total: { type: 'integer' },
    },
  },
  Kpi: {
    type: 'object',
    additionalProperties: false,
    required: ['service', 'date', 'metrics', 'source', 'sample', 'updated_at'],
    properties: {
      service,
      date: { type: 'string', format: 'date' },
      metrics: { type: 'object', additionalProperties: { type: ['number', 'string'] } },
      source: { type: 'string' },
      sample: { type: 'boolean' },
      updated_at: timestamp,
    },
  },
  ApiToken: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      prefix: { type: 'string' },
      created_at: timestamp,
      last_used_at: nullableTimestamp,
      revoked_at: nullableTimestamp,
    },
  },
  User: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'email', 'role'],
    properties: {
      id: { type: 'integer' },
      email: { type: 'string' },
      role: { type: 'string', enum: ['admin', 'user'] },
      // Answered by /api/auth/me: the UI asks for a new password until it is changed.
      must_change_password: { type: 'boolean' },
    },
  },
  Preview: {
    type: 'object',
    additionalProperties: false,
    required: ['cron', 'timezone', 'from', 'runs'],
    properties: {
      cron: { type: 'string' },
      timezone: { type: 'string' },
      from: timestamp,
      runs: { type: 'array', items: timestamp, maxItems: 50 },
    },
  },
} as const;

/** `{ success: true, data: <schema> }`, the envelope of every successful REST answer. */
export const ok = (data: unknown) => ({
  type: 'object',
  additionalProperties: false,
  required: ['success', 'data'],
  properties: { success: { const: true }, data },
});

export const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });
