export { type RequiredPermission, type SecretsFile, SecretsService, secretsAuthorization } from './service.ts';
