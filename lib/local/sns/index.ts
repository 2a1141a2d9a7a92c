export { type SnsOptions, SnsService } from './service.ts';
