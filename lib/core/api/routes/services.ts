import type { Route } from '../route.ts';
import {
  alertPage,
  alertView,
  restartServiceResponse,
  serviceDetailResponse,
  serviceHealthResponse,
  serviceHistoryPage,
  servicePage,
  serviceStatusPage,
  serviceUptimeResponse,
  serviceView,
} from '../schemas/responses/services.ts';
import {
  acknowledgeAlertBody,
  listAlertsQuery,
  listServicesQuery,
  registerServiceBody,
  restartServiceBody,
  serviceHealthQuery,
  serviceHistoryQuery,
  updateServiceBody,
} from '../schemas/services.ts';

const f = 'api-services';

/** Service registry, status and alerts (seed: "Service Discovery"; 002: status for dashboards). */
export const SERVICE_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/services',
    operationId: 'listServices',
    functionId: f,
    auth: 'iam',
    summary: 'List registered services',
    successStatus: 200,
    response: servicePage,
    query: listServicesQuery,
  },
  {
    method: 'POST',
    path: '/services',
    operationId: 'registerService',
    functionId: f,
    auth: 'iam',
    summary: 'Register a service',
    successStatus: 201,
    response: serviceView,
    body: registerServiceBody,
  },
  {
    method: 'GET',
    path: '/services/status',
    operationId: 'listServiceStatus',
    functionId: f,
    auth: 'iam',
    summary: 'Status of every service, for dashboards',
    description:
      'Per service: `status` (online, offline, degraded, unknown, maintenance, retired; a service that answers its ' +
      'probes but is crash looping or suspected by phi-accrual is degraded), `restarts` (Steward restarts and ' +
      'crashes — unexpected ECS task stops — in the budget window, the budget, `crash_looping`, `last_crash` with ' +
      'stop code, reason and exit code) and, with phi-accrual, `phi` (`value`, `threshold`, `suspected`).',
    successStatus: 200,
    response: serviceStatusPage,
    query: listServicesQuery,
  },
  {
    method: 'GET',
    path: '/services/{service_id}',
    operationId: 'getService',
    functionId: f,
    auth: 'iam',
    summary: 'Get service details',
    successStatus: 200,
    response: serviceDetailResponse,
  },
  {
    method: 'PUT',
    path: '/services/{service_id}',
    operationId: 'updateService',
    functionId: f,
    auth: 'iam',
    summary: 'Update a service',
    successStatus: 200,
    response: serviceView,
    body: updateServiceBody,
  },
  {
    method: 'DELETE',
    path: '/services/{service_id}',
    operationId: 'deregisterService',
    functionId: f,
    auth: 'iam',
    summary: 'Deregister (retire) a service',
    successStatus: 200,
    response: serviceView,
  },
  {
    method: 'GET',
    path: '/services/{service_id}/health',
    operationId: 'getServiceHealth',
    functionId: f,
    auth: 'iam',
    summary: 'Latest result per check and the rolled-up status',
    description:
      "Checks with their latest result (and, with phi-accrual, each check's `phi` and `suspected`), `phi` for the " +
      'service (highest value, threshold, suspected: phi at or above the threshold makes a check unhealthy ' +
      'whatever its count), `restarts` (budget state with restarts and crashes in the window, `crash_looping`, ' +
      '`last_crash`) and recent recorded results.',
    successStatus: 200,
    response: serviceHealthResponse,
    query: serviceHealthQuery,
  },
  {
    method: 'GET',
    path: '/services/{service_id}/history',
    operationId: 'getServiceHistory',
    functionId: f,
    auth: 'iam',
    summary: 'Recorded check results of a service, newest first',
    description:
      'The stored health history: a result is recorded when a check changes status and as a heartbeat every few ' +
      'minutes. `from` / `to` bound the time (ISO 8601, inclusive); paginated with `limit` (1–100) and `next_token`.',
    successStatus: 200,
    response: serviceHistoryPage,
    query: serviceHistoryQuery,
  },
  {
    method: 'GET',
    path: '/services/{service_id}/uptime',
    operationId: 'getServiceUptime',
    functionId: f,
    auth: 'iam',
    summary: 'Uptime and latency of a service over 24 hours and 7 days',
    description:
      'Computed from the recorded check results: a recorded status holds until the next record of that check, for ' +
      'at most `max_gap_seconds` (longer gaps count as not observed); the service is up while no check is ' +
      'unhealthy. `uptime` is up time over observed time, null when nothing was recorded.',
    successStatus: 200,
    response: serviceUptimeResponse,
  },
  {
    method: 'POST',
    path: '/services/{service_id}/restart',
    operationId: 'restartService',
    functionId: f,
    auth: 'iam',
    summary: 'Restart a managed ECS service now',
    description:
      "Forces a new deployment of the service through the restarter's budget claim: it skips the backoff and grace " +
      'waits but spends the restart budget, starts a grace period, is audited and publishes `service.restarted` ' +
      '(with `manual: true`). A spent budget answers 429 with `budget` (`used`, `max_restarts`, `window_seconds`, ' +
      '`refills_at`; a service held `failed` needs a reset first); a retired or unmanaged service, or one whose ECS service or ' +
      'cluster does not exist, answers 409; any other ECS failure answers 502 (`restart_failed`). Either way the ' +
      'budget is given back.',
    successStatus: 200,
    response: restartServiceResponse,
    body: restartServiceBody,
  },
  {
    method: 'GET',
    path: '/alerts',
    operationId: 'listAlerts',
    functionId: f,
    auth: 'iam',
    summary: 'List alerts (open and history)',
    successStatus: 200,
    response: alertPage,
    query: listAlertsQuery,
  },
  {
    method: 'PUT',
    path: '/alerts/{alert_id}/acknowledge',
    operationId: 'acknowledgeAlert',
    functionId: f,
    auth: 'iam',
    summary: 'Acknowledge an alert',
    successStatus: 200,
    response: alertView,
    body: acknowledgeAlertBody,
  },
];
