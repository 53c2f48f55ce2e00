export * from './databases.ts';
export * from './env.ts';
