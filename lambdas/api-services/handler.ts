import { SERVICE_ROUTES } from '../../lib/core/api/routes/services.ts';
import { apiHandler } from '../shared/http.ts';
import { acknowledgeAlert, listAlertsOp } from './alerts.ts';
import { getServiceHistory, getServiceUptime } from './history.ts';
import {
  deregisterService,
  getServiceHealth,
  getServiceOp,
  listServiceStatus,
  listServicesOp,
  registerService,
  restartService,
  updateService,
} from './services.ts';

/** REST: service registry, health, dashboard status and alerts. */
export const handler = apiHandler(SERVICE_ROUTES, {
  listServices: listServicesOp,
  registerService,
  listServiceStatus,
  getService: getServiceOp,
  updateService,
  deregisterService,
  getServiceHealth,
  getServiceHistory,
  getServiceUptime,
  restartService,
  listAlerts: listAlertsOp,
  acknowledgeAlert,
});
