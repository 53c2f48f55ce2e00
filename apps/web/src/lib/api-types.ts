import type { AppRouter } from '@kpi/api';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type Viewer = NonNullable<Outputs['auth']['me']>;
export type Schedule = Outputs['schedules']['list'][number];
export type ScheduleChanges = Omit<Inputs['schedules']['update'], 'service'>;
export type RunRequested = Outputs['schedules']['run'];
export type BackfillQueued = Outputs['schedules']['backfill'];
export type Run = Outputs['runs']['list']['items'][number];
export type RunStatus = Run['status'];
export type RunsListInput = Inputs['runs']['list'];
export type RunStats = Outputs['runs']['stats'][number];
export type KpiSnapshot = Outputs['kpis']['latest'][number];
export type ApiToken = Outputs['tokens']['list'][number];
export type Connection = Outputs['connections']['list'][number];
export type ConnectionUpsert = Inputs['connections']['upsert'];
export type Credential = NonNullable<ConnectionUpsert['credential']>;
export type CredentialKind = Credential['kind'];
export type ProbeAnswer = Outputs['connections']['test'];
export type SheetDestination = NonNullable<Outputs['sheets']['get']>;
export type SheetUpsert = Inputs['sheets']['upsert'];
export type ScheduleLimits = Outputs['schedules']['limits'];
export type KpiHistory = Outputs['kpis']['history'];
export type KpiDay = KpiHistory['days'][number];
