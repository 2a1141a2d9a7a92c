export * from './bus.ts';
export * from './expiry.ts';
export * from './filters.ts';
export * from './routes.ts';
