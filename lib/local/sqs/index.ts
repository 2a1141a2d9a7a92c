export { SqsService } from './service.ts';
