export { portOpen } from './process.ts';
export { type EcsOptions, EcsService, type LocalServiceDefinition } from './service.ts';
